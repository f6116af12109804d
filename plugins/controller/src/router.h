// Router: maps a method and a path to a handler, with `{param}` path segments.
//
// match rules: a path matches a route when it has the same number of segments and every
// literal segment is equal; a path that matches some route but none with its method answers 405
// (with an Allow header), a path that matches no route answers 404. Segments are
// percent-decoded before matching; an empty segment ("/a//b") matches nothing.
//
// Thread-safety: add() during setup only; dispatch() is then safe from any number of threads.
#pragma once

#include "api.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ampd::controller {

using PathParams = std::map<std::string, std::string>;
using Handler = std::function<ApiResponse(const ApiRequest&, const PathParams&)>;

class Router {
 public:
  /// Registers `handler` for `method` and `pattern` (e.g. "/datasets/{namespace}/{name}").
  void add(const std::string& method, const std::string& pattern, Handler handler);

  /// Routes the request and runs the handler. Never throws: an ApiError becomes its JSON error,
  /// any other exception a 500 INTERNAL_ERROR.
  ApiResponse dispatch(const ApiRequest& request) const;

  /// Splits and percent-decodes a path; nothing for a path with an empty or undecodable segment.
  static std::optional<std::vector<std::string>> splitPath(const std::string& path);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  ///< "{name}" for a parameter
    Handler handler;
  };
  std::vector<Route> _routes;
};

}  // namespace ampd::controller
