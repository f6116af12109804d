// Validation of the identifiers the admin API accepts in paths and bodies, and semantic
// versions (https://semver.org/spec/v2.0.0.html) with their precedence.
//
// Thread-safety: free functions and a value type without shared state.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ampd::controller {

/// Longest namespace, dataset name or provider name accepted.
inline constexpr std::size_t kMaxNameLength = 255;

/// A dataset name: `[a-z_][a-z0-9_]*`, at most kMaxNameLength bytes.
bool isValidDatasetName(std::string_view name);

/// A dataset namespace: `[a-z0-9_]+` (Amp's namespaces may start with a digit, e.g. `_` or
/// `0xabc`), at most kMaxNameLength bytes.
bool isValidNamespace(std::string_view ns);

/// A provider name, used as the file name `<name>.toml`: `[A-Za-z0-9_][A-Za-z0-9_-]*`, at most
/// kMaxNameLength bytes (never `.`, `/` or a leading `-`).
bool isValidProviderName(std::string_view name);

/// A manifest hash: exactly 64 hex digits (either case; compare in lower case).
bool isManifestHash(std::string_view text);

/// " (it contains a NUL byte)" when `name` holds one, else empty: said in messages, since
/// the escaped \u0000 inside a quoted name is easy to miss.
inline std::string nulByteNote(std::string_view name) {
  return name.find('\0') == std::string_view::npos ? "" : " (it contains a NUL byte)";
}

/// Lower-cases ASCII letters (for hashes given in upper case).
std::string toLowerAscii(std::string_view text);

/// A semantic version MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
struct SemVer {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string> prerelease;  ///< dot-separated identifiers, empty for a release
  std::string build;                    ///< ignored by precedence

  /// Parses strictly per SemVer 2.0 (no leading zeros, no `v` prefix); nothing when invalid.
  static std::optional<SemVer> parse(std::string_view text);

  /// SemVer precedence (build metadata ignored).
  friend std::strong_ordering operator<=>(const SemVer& a, const SemVer& b);
  friend bool operator==(const SemVer& a, const SemVer& b) { return (a <=> b) == 0; }
};

}  // namespace ampd::controller
