#include "names.h"

#include <charconv>

namespace ampd::controller {
namespace {

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// A numeric identifier: digits, no leading zero unless it is "0".
std::optional<std::uint64_t> numeric(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool isIdentifierChar(char c) { return isLower(c) || isUpper(c) || isDigit(c) || c == '-'; }

bool allDigits(std::string_view s) {
  for (char c : s)
    if (!isDigit(c)) return false;
  return true;
}

std::vector<std::string> splitDots(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

}  // namespace

bool isValidDatasetName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (!(isLower(name[0]) || name[0] == '_')) return false;
  for (char c : name)
    if (!(isLower(c) || isDigit(c) || c == '_')) return false;
  return true;
}

bool isValidNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > kMaxNameLength) return false;
  for (char c : ns)
    if (!(isLower(c) || isDigit(c) || c == '_')) return false;
  return true;
}

bool isValidProviderName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name[0] == '-') return false;
  for (char c : name)
    if (!(isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '-')) return false;
  return true;
}

bool isManifestHash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!(isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (isUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<SemVer> SemVer::parse(std::string_view text) {
  SemVer v;
  auto rest = text;
  if (const auto plus = rest.find('+'); plus != std::string_view::npos) {
    v.build = std::string(rest.substr(plus + 1));
    rest = rest.substr(0, plus);
    for (const auto& id : splitDots(v.build)) {
      if (id.empty()) return std::nullopt;
      for (char c : id)
        if (!isIdentifierChar(c)) return std::nullopt;
    }
  }
  if (const auto dash = rest.find('-'); dash != std::string_view::npos) {
    v.prerelease = splitDots(rest.substr(dash + 1));
    rest = rest.substr(0, dash);
    for (const auto& id : v.prerelease) {
      if (id.empty()) return std::nullopt;
      for (char c : id)
        if (!isIdentifierChar(c)) return std::nullopt;
      if (allDigits(id) && !numeric(id)) return std::nullopt;  // leading zero
    }
  }
  const auto core = splitDots(rest);
  if (core.size() != 3) return std::nullopt;
  const auto major = numeric(core[0]);
  const auto minor = numeric(core[1]);
  const auto patch = numeric(core[2]);
  if (!major || !minor || !patch) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  v.patch = *patch;
  return v;
}

std::strong_ordering operator<=>(const SemVer& a, const SemVer& b) {
  if (auto c = a.major <=> b.major; c != 0) return c;
  if (auto c = a.minor <=> b.minor; c != 0) return c;
  if (auto c = a.patch <=> b.patch; c != 0) return c;
  // A release has higher precedence than any of its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty())
    return a.prerelease.empty() <=> b.prerelease.empty();
  const auto n = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& x = a.prerelease[i];
    const auto& y = b.prerelease[i];
    const bool xn = allDigits(x);
    const bool yn = allDigits(y);
    if (xn && yn) {
      // Numeric identifiers compare numerically (no leading zeros: length first, then text).
      if (auto c = x.size() <=> y.size(); c != 0) return c;
      if (auto c = x.compare(y) <=> 0; c != 0) return c;
    } else if (xn != yn) {
      return xn ? std::strong_ordering::less : std::strong_ordering::greater;
    } else if (auto c = x.compare(y) <=> 0; c != 0) {
      return c;
    }
  }
  return a.prerelease.size() <=> b.prerelease.size();
}

}  // namespace ampd::controller
