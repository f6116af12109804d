#include "redacted_url.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace ampd::worker {
namespace {

constexpr std::string_view kMask = "***";

bool looksLikeKey(std::string_view word) {
  const bool hasDigit =
      std::any_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); });
  return word.size() >= 16 || (word.size() >= 8 && hasDigit);
}

bool namesASecret(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::array<std::string_view, 6> kWords{"key", "token", "secret", "auth", "pass", "sig"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

/// Each `separator`-delimited part of `text` passed through `mask`.
template <class Mask>
std::string eachPart(std::string_view text, char separator, Mask mask) {
  std::string out;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(separator, begin);
    out += mask(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return out;
    out += separator;
    begin = end + 1;
  }
}

std::string maskedWord(std::string_view word) {
  return looksLikeKey(word) ? std::string(kMask) : std::string(word);
}

std::string maskedQueryPart(std::string_view part) {
  const auto equals = part.find('=');
  if (equals == std::string_view::npos) return maskedWord(part);
  const auto name = part.substr(0, equals);
  const auto value = part.substr(equals + 1);
  return std::string(name) + "=" +
         (namesASecret(name) && !value.empty() ? std::string(kMask) : maskedWord(value));
}

/// `user:password@host:port` with the password masked.
std::string maskedAuthority(std::string_view authority) {
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(authority);
  const auto userInfo = authority.substr(0, at);
  const auto colon = userInfo.find(':');
  const auto host = std::string(authority.substr(at));
  if (colon == std::string_view::npos) return maskedWord(userInfo) + host;  // a token as the user
  return maskedWord(userInfo.substr(0, colon)) + ":" + std::string(kMask) + host;
}

}  // namespace

std::string redactedUrl(const std::string& url) {
  const std::string_view text(url);
  const auto schemeEnd = text.find("://");
  // Without a scheme (a typo like "127.0.0.1:8545"), the text is read as host, path and query.
  const auto prefixSize = schemeEnd == std::string_view::npos ? 0 : schemeEnd + 3;
  const auto rest = text.substr(prefixSize);
  const auto authorityEnd = rest.find_first_of("/?#");
  std::string out(text.substr(0, prefixSize));
  out += maskedAuthority(rest.substr(0, authorityEnd));
  if (authorityEnd == std::string_view::npos) return out;
  auto tail = rest.substr(authorityEnd);
  const auto hash = tail.find('#');
  const bool hasFragment = hash != std::string_view::npos;
  if (hasFragment) tail = tail.substr(0, hash);
  const auto question = tail.find('?');
  out += eachPart(tail.substr(0, question), '/', maskedWord);
  if (question != std::string_view::npos)
    out += "?" + eachPart(tail.substr(question + 1), '&', maskedQueryPart);
  if (hasFragment) out += "#" + std::string(kMask);
  return out;
}

}  // namespace ampd::worker
