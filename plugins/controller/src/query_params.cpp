#include "query_params.h"

#include "api.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <charconv>
#include <cstdint>

namespace ampd::controller {

std::map<std::string, std::string> parseQuery(const std::string& query, const char* code) {
  std::map<std::string, std::string> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      std::string key, value;
      try {
        auto rawKey = pair.substr(0, eq);
        auto rawValue = eq == std::string::npos ? std::string() : pair.substr(eq + 1);
        for (auto* raw : {&rawKey, &rawValue})
          for (auto& c : *raw)
            if (c == '+') c = ' ';
        Poco::URI::decode(rawKey, key);
        Poco::URI::decode(rawValue, value);
      } catch (const Poco::Exception& e) {
        throw ApiError(400, code, "invalid query string: " + e.displayText());
      }
      params[key] = value;
    }
    start = end + 1;
  }
  return params;
}

std::optional<std::int64_t> queryInteger(const std::map<std::string, std::string>& params,
                                         const std::string& key, const char* code) {
  const auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  std::int64_t value = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0)
    throw ApiError(400, code,
                   "invalid query parameters: " + key + " must be a non-negative integer, got \"" +
                       text + "\"");
  return value;
}

}  // namespace ampd::controller
