// guardAdmission: plugs an HttpGuard (ampd_toolkit/http_guard.h: Host, Origin, token) into an
// HttpServer as its admission hook, so every request is checked right after its head is parsed
// and before any body byte is read. A refusal is logged once (method, path, code, reason; never
// the token); a CORS preflight from an allowed origin is answered 204 by the server's loop.
//
// Thread-safety: the returned hook only reads the guard, which must outlive the server.
#pragma once

#include <ampd_toolkit/http_guard.h>
#include <ampd_toolkit/http_server.h>

#include <Poco/Logger.h>

#include <string>

namespace ampd {

inline HttpServer::Admission guardAdmission(const HttpGuard& guard, Poco::Logger& logger,
                                            std::string api) {
  return [&guard, &logger,
          api = std::move(api)](const Poco::Net::HTTPRequest& request) -> std::optional<Rejection> {
    auto answer = guard.check(request);
    if (!answer) return std::nullopt;
    if (answer->refused())
      logger.warning("%s: refused %s %s: %s %s", api, request.getMethod(),
                     http_guard_detail::printable(request.getURI()), answer->errorCode,
                     answer->message);
    Rejection rejection{answer->status, answer->errorCode, answer->message, {}};
    for (auto& [name, value] : answer->headers) rejection.headers[name] = value;
    return rejection;
  };
}

}  // namespace ampd
