// HttpGuard: the front-door checks every HTTP plugin runs before it handles a request.
//
//   1. Host: the Host header must name this machine (loopback literal, localhost, *.localhost,
//      the bound address, any IP literal when bound to a wildcard address) or a name listed in
//      [http] allowed_hosts. Stops DNS rebinding: a page on evil.example resolved to 127.0.0.1
//      still sends "Host: evil.example". Absent Host (HTTP/1.0) is allowed; browsers always send
//      one.
//   2. Origin: a request carrying an Origin header (every cross-site request a browser makes,
//      including "simple" text/plain POSTs that skip the CORS preflight) is refused unless the
//      origin is listed in [http] allowed_origins (empty by default). Allowed origins get CORS
//      headers and their preflights are answered here (204, no token needed).
//   3. Token: when [http] token is set, every request needs "Authorization: Bearer <token>",
//      compared in constant time. A non-loopback bind address without a token is a
//      configuration error.
//
// Header-only, like http.h; plugins that include it link Poco::Net and Poco::JSON. The token is
// never part of any message this header produces.
//
// Thread-safety: an HttpGuard is immutable after construction; check() may be called from any
// number of threads at once.
#pragma once

#include <ampd/plugin.h>
#include <ampd/settings.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SocketAddress.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ampd {

/// The [http] keys, shared by every HTTP plugin.
struct HttpGuardSettings {
  std::vector<std::string> allowedHosts;    ///< http.allowed_hosts (host names, no port)
  std::vector<std::string> allowedOrigins;  ///< http.allowed_origins (scheme://host[:port])
  std::string token;                        ///< http.token (empty: no token required)
};

/// Reads http.allowed_hosts, http.allowed_origins and http.token (the host's keys; all default
/// to empty).
inline HttpGuardSettings readHttpGuardSettings(const Settings& settings) {
  HttpGuardSettings guard;
  guard.allowedHosts = settings.getStringArray("http.allowed_hosts");
  guard.allowedOrigins = settings.getStringArray("http.allowed_origins");
  guard.token = settings.getString("http.token");
  return guard;
}

/// What the guard answers instead of the handler: a refusal (status 401/403 with an Amp error
/// code) or the answer to an allowed CORS preflight (204, no error code).
struct HttpGuardAnswer {
  int status = 0;
  std::string errorCode;  ///< FORBIDDEN_HOST, FORBIDDEN_ORIGIN, UNAUTHORIZED; empty for a 204
  std::string message;    ///< for the client and the log; never holds the token
  std::vector<std::pair<std::string, std::string>> headers;  ///< set on the response

  bool refused() const { return status >= 400; }
};

namespace http_guard_detail {

inline std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// `text` made safe for a message or a log line: control characters replaced, length bounded.
inline std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (const char c : text.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (text.size() > kMax) out += "...";
  return out;
}

/// An origin in the form browsers send: lower case, no trailing slash.
inline std::string normalizedOrigin(std::string_view origin) {
  std::string out = lower(origin);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

/// A host name made comparable: lower case, no trailing dot ("localhost." is "localhost").
inline std::string normalizedHost(std::string_view host) {
  std::string out = lower(host);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

inline std::optional<Poco::Net::IPAddress> ipLiteral(const std::string& host) {
  Poco::Net::IPAddress address;
  if (host.empty() || !Poco::Net::IPAddress::tryParse(host, address)) return std::nullopt;
  return address;
}

inline bool isLoopback(const Poco::Net::IPAddress& address) {
  if (address.isLoopback()) return true;  // 127.0.0.0/8, ::1
  if (address.family() == Poco::Net::IPAddress::IPv6 && address.isIPv4Mapped()) {
    const auto text = address.toString();  // ::ffff:127.x.y.z
    const auto colon = text.rfind(':');
    const auto v4 = ipLiteral(text.substr(colon + 1));
    return v4 && v4->isLoopback();
  }
  return false;
}

}  // namespace http_guard_detail

/// The host part of a Host header value: "example.com:80" -> "example.com", "[::1]:1603" ->
/// "::1", "::1" (unbracketed, not valid HTTP but unambiguous) -> "::1". Lower case, no trailing
/// dot. A malformed bracket form ("[::1", "[::1]x") yields the whole value, which matches
/// nothing.
inline std::string hostOfHostHeader(std::string_view value) {
  using http_guard_detail::normalizedHost;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    const auto rest = close == std::string_view::npos ? value : value.substr(close + 1);
    if (close == std::string_view::npos || (!rest.empty() && rest.front() != ':'))
      return normalizedHost(value);
    return normalizedHost(value.substr(1, close - 1));
  }
  const auto colon = value.find(':');
  if (colon != std::string_view::npos && value.find(':', colon + 1) == std::string_view::npos)
    return normalizedHost(value.substr(0, colon));
  return normalizedHost(value);
}

/// Compares a secret with a given value in time that depends only on the given value's length:
/// no early exit on a length difference or on the first differing byte.
inline bool constantTimeEquals(std::string_view secret, std::string_view given) {
  static constexpr char kNothing = 0;
  const char* expected = secret.empty() ? &kNothing : secret.data();
  const std::size_t n = secret.empty() ? 1 : secret.size();
  std::size_t diff = secret.size() ^ given.size();
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i % n]) ^ static_cast<unsigned char>(given[i]);
  return diff == 0 && !secret.empty();
}

class HttpGuard {
 public:
  /// `address` is the address the API listens on, `addressKey` its config key (admin_api_addr,
  /// jsonl_addr). Throws PluginConfigError (exit 2) when the address is not loopback and no
  /// token is set.
  HttpGuard(HttpGuardSettings settings, const Poco::Net::SocketAddress& address,
            std::string addressKey)
      : _address(address), _addressKey(std::move(addressKey)) {
    using namespace http_guard_detail;
    for (const auto& host : settings.allowedHosts) _allowedHosts.push_back(normalizedHost(host));
    for (const auto& origin : settings.allowedOrigins)
      _allowedOrigins.push_back(normalizedOrigin(origin));
    _token = std::move(settings.token);
    checkConfig(_token, address, _addressKey);
  }

  /// Throws PluginConfigError (exit 2) when `address` is not loopback and `token` is empty.
  /// The constructor calls it; plugins may call it early to fail before slow start-up work.
  static void checkConfig(const std::string& token, const Poco::Net::SocketAddress& address,
                          const std::string& addressKey) {
    if (http_guard_detail::isLoopback(address.host()) || !token.empty()) return;
    throw PluginConfigError(
        addressKey + " " + address.toString() +
        " is not a loopback address, and no http.token is set\n"
        "DETAIL: Every machine that can reach this address could use the API without "
        "credentials.\n"
        "HINT: Set a token in [http] token (or AMP_CONFIG_HTTP__TOKEN) and send it as "
        "\"Authorization: Bearer <token>\", or bind " +
        addressKey + " to 127.0.0.1.");
  }

  bool requiresToken() const { return !_token.empty(); }

  /// Nothing when the request may go to the handler (then add corsHeaders() to its response);
  /// otherwise the answer to send instead (ampd_toolkit/guard_admission.h does, before the body is
  /// read).
  std::optional<HttpGuardAnswer> check(const Poco::Net::HTTPRequest& request) const {
    if (auto refusal = checkHost(request)) return refusal;
    if (auto answer = checkOrigin(request)) return answer;
    return checkToken(request);
  }

  /// The CORS headers for the response to a request check() let through: Allow-Origin and
  /// Vary for an allowed Origin, nothing for a request without one.
  std::vector<std::pair<std::string, std::string>> corsHeaders(
      const Poco::Net::HTTPRequest& request) const {
    if (!request.has("Origin")) return {};
    return {{"Access-Control-Allow-Origin", request.get("Origin")}, {"Vary", "Origin"}};
  }

 private:
  std::optional<HttpGuardAnswer> checkHost(const Poco::Net::HTTPRequest& request) const {
    using namespace http_guard_detail;
    const std::string value = request.get("Host", "");
    if (value.empty() || hostAllowed(hostOfHostHeader(value))) return std::nullopt;
    return HttpGuardAnswer{
        403,
        "FORBIDDEN_HOST",
        "the Host header \"" + printable(value) +
            "\" does not name this server. A web page that resolved its own name to this "
            "machine (DNS rebinding) sends such a Host. To allow this name, add it to [http] "
            "allowed_hosts (AMP_CONFIG_HTTP__ALLOWED_HOSTS).",
        {}};
  }

  bool hostAllowed(const std::string& host) const {
    if (host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"))) return true;
    if (const auto ip = http_guard_detail::ipLiteral(host)) {
      if (http_guard_detail::isLoopback(*ip)) return true;
      if (_address.host().isWildcard()) return true;  // a rebinding page has a name, not an IP
      if (*ip == _address.host()) return true;
    }
    return std::find(_allowedHosts.begin(), _allowedHosts.end(), host) != _allowedHosts.end();
  }

  std::optional<HttpGuardAnswer> checkOrigin(const Poco::Net::HTTPRequest& request) const {
    using namespace http_guard_detail;
    if (!request.has("Origin")) return std::nullopt;
    const std::string origin = request.get("Origin");
    const std::string normalized = normalizedOrigin(origin);
    const bool allowed = normalized != "null" &&
                         std::find(_allowedOrigins.begin(), _allowedOrigins.end(), normalized) !=
                             _allowedOrigins.end();
    if (!allowed) {
      return HttpGuardAnswer{
          403,
          "FORBIDDEN_ORIGIN",
          "requests from the web origin \"" + printable(origin) +
              "\" are not allowed. Browsers send an Origin header on cross-site requests; "
              "curl and HTTP client libraries send none. To allow this origin, add it to [http] "
              "allowed_origins (AMP_CONFIG_HTTP__ALLOWED_ORIGINS).",
          {}};
    }
    const bool preflight = request.getMethod() == Poco::Net::HTTPRequest::HTTP_OPTIONS &&
                           request.has("Access-Control-Request-Method");
    if (!preflight) return std::nullopt;
    auto headers = corsHeaders(request);
    headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, DELETE, OPTIONS");
    headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, Authorization");
    headers.emplace_back("Access-Control-Max-Age", "600");
    return HttpGuardAnswer{204, "", "CORS preflight answered", std::move(headers)};
  }

  std::optional<HttpGuardAnswer> checkToken(const Poco::Net::HTTPRequest& request) const {
    if (_token.empty()) return std::nullopt;
    constexpr std::string_view kScheme = "bearer ";
    const std::string value = request.get("Authorization", "");
    std::string_view given;
    if (value.size() > kScheme.size() &&
        http_guard_detail::lower(std::string_view(value).substr(0, kScheme.size())) == kScheme) {
      given = std::string_view(value).substr(kScheme.size());
      while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
      while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
    }
    if (constantTimeEquals(_token, given)) return std::nullopt;
    return HttpGuardAnswer{
        401,
        "UNAUTHORIZED",
        value.empty() ? "this API requires a token: send \"Authorization: Bearer <token>\" "
                        "with the value of [http] token"
                      : "the bearer token in the Authorization header is not the one in "
                        "[http] token",
        {{"WWW-Authenticate", "Bearer"}}};
  }

  Poco::Net::SocketAddress _address;
  std::string _addressKey;
  std::vector<std::string> _allowedHosts;
  std::vector<std::string> _allowedOrigins;
  std::string _token;
};

}  // namespace ampd
