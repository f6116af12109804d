#include "handlers.h"

#include <Poco/Logger.h>

namespace ampd::controller {

void addHealthRoutes(Router& router, PgPool& pool, std::chrono::milliseconds deadline) {
  router.add("GET", "/healthz", [&pool, deadline](const ApiRequest&, const PathParams&) {
    const auto health = checkDatabaseHealth(pool, deadline);
    if (health.ok) return ApiResponse::json(200, health.json());
    Poco::Logger::get("controller")
        .warning("admin API: /healthz: database unhealthy: " + health.errorCode + ": " +
                 health.reason);
    auto response = ApiResponse::json(503, health.json());
    response.headers["Retry-After"] = std::to_string(health.retryAfterSeconds);
    return response;
  });
}

}  // namespace ampd::controller
