#include "handlers.h"

namespace ampd::controller {

void addHealthRoutes(Router& router) {
  router.add("GET", "/healthz", [](const ApiRequest&, const PathParams&) {
    return ApiResponse::json(200, R"({"status":"ok"})");
  });
}

}  // namespace ampd::controller
