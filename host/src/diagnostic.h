// Diagnostic: a user-facing error worded the PostgreSQL way — a short primary message, then an
// optional detail and hint in full sentences. Error types of the host carry one.
//
// Thread-safety: a plain value type.
#pragma once

#include <string>

namespace ampd::host {

/// A primary message with optional detail and hint.
struct Diagnostic {
  std::string primary;  ///< one line, no trailing period
  std::string detail;   ///< what exactly happened (may span lines); empty when not needed
  std::string hint;     ///< what to do about it; empty when not needed

  /// "primary\nDETAIL: detail\nHINT: hint" (absent parts omitted).
  std::string format() const {
    std::string text = primary;
    if (!detail.empty()) text += "\nDETAIL: " + detail;
    if (!hint.empty()) text += "\nHINT: " + hint;
    return text;
  }
};

}  // namespace ampd::host
