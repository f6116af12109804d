// Diagnostic: a user-facing message worded the PostgreSQL way — a short primary message naming
// the key, value or path, then an optional detail and a hint in full sentences. Every error the
// host prints (its own, the configuration's, a plugin's start-up or runtime failure) is one.
//
// Part of the plugin contract (header-only, a plain value type; inline only, so it adds nothing
// to the ABI beyond the layout of PluginError). Thread-safety: a plain value type.
#pragma once

#include <string>

namespace ampd {

/// A primary message with optional detail and hint.
struct Diagnostic {
  std::string primary;  ///< one line, no trailing period
  std::string detail;   ///< what exactly happened (may span lines); empty when not needed
  std::string hint;     ///< what to do about it; empty when not needed

  /// "primary\nDETAIL: detail\nHINT: hint" (absent parts omitted). The host prints it after
  /// "ampd: error: ".
  std::string format() const {
    std::string text = primary;
    if (!detail.empty()) text += "\nDETAIL: " + detail;
    if (!hint.empty()) text += "\nHINT: " + hint;
    return text;
  }
};

}  // namespace ampd
