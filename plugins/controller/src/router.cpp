#include "router.h"

#include "json_writer.h"

#include <ampd_toolkit/json_text.h>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <optional>

namespace ampd::controller {

std::string errorBody(const std::string& code, const std::string& message) {
  return jsonErrorObject(code, message);
}

namespace {

ApiResponse errorResponse(int status, const std::string& code, const std::string& message) {
  return ApiResponse::json(status, errorBody(code, message));
}

bool isParam(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::optional<std::vector<std::string>> Router::splitPath(const std::string& path) {
  std::vector<std::string> segments;
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path == "/") return segments;
  std::size_t start = 1;
  for (;;) {
    const auto slash = path.find('/', start);
    const auto raw = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (raw.empty()) return std::nullopt;
    std::string decoded;
    try {
      Poco::URI::decode(raw, decoded);
    } catch (const Poco::Exception&) {
      return std::nullopt;
    }
    segments.push_back(std::move(decoded));
    if (slash == std::string::npos) return segments;
    start = slash + 1;
  }
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  auto segments = splitPath(pattern);
  _routes.push_back({method, segments.value_or(std::vector<std::string>{}), std::move(handler)});
}

ApiResponse Router::dispatch(const ApiRequest& request) const {
  const auto segments = splitPath(request.path);
  std::string allowed;
  if (segments) {
    for (const auto& route : _routes) {
      if (route.segments.size() != segments->size()) continue;
      bool matches = true;
      for (std::size_t i = 0; i < segments->size() && matches; ++i) {
        const auto& s = route.segments[i];
        matches = isParam(s) || s == (*segments)[i];
      }
      if (!matches) continue;
      if (route.method != request.method) {
        if (allowed.find(route.method) == std::string::npos)
          allowed += (allowed.empty() ? "" : ", ") + route.method;
        continue;
      }
      PathParams params;  // built only for the matching route
      for (std::size_t i = 0; i < segments->size(); ++i) {
        const auto& s = route.segments[i];
        if (isParam(s)) params[s.substr(1, s.size() - 2)] = (*segments)[i];
      }
      try {
        return route.handler(request, params);
      } catch (const ApiError& e) {
        auto response = errorResponse(e.status(), e.code(), e.message());
        if (e.retryAfterSeconds() > 0)
          response.headers["Retry-After"] = std::to_string(e.retryAfterSeconds());
        return response;
      } catch (const std::exception& e) {
        return errorResponse(500, "INTERNAL_ERROR", e.what());
      }
    }
  }
  if (!allowed.empty()) {
    auto response = errorResponse(405, "METHOD_NOT_ALLOWED",
                                  "method " + request.method + " is not allowed on " +
                                      request.path + " (allowed: " + allowed + ")");
    response.headers["Allow"] = allowed;
    return response;
  }
  return errorResponse(404, "NOT_FOUND", "no such endpoint: " + request.path);
}

}  // namespace ampd::controller
