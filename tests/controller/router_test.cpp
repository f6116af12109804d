#include "router.h"

#include <gtest/gtest.h>

namespace ampd::controller {
namespace {

Router makeRouter() {
  Router router;
  router.add("GET", "/datasets/{namespace}/{name}/versions/{revision}",
             [](const ApiRequest&, const PathParams& p) {
               return ApiResponse::json(
                   200, p.at("namespace") + "|" + p.at("name") + "|" + p.at("revision"));
             });
  router.add("DELETE", "/datasets/{namespace}/{name}/versions/{version}",
             [](const ApiRequest&, const PathParams& p) {
               return ApiResponse::json(200, "delete " + p.at("version"));
             });
  router.add("GET", "/boom", [](const ApiRequest&, const PathParams&) -> ApiResponse {
    throw ApiError(409, "CONFLICT_CODE", "a conflict");
  });
  router.add("GET", "/crash", [](const ApiRequest&, const PathParams&) -> ApiResponse {
    throw std::runtime_error("unexpected");
  });
  return router;
}

TEST(Router, MatchesParametersByShapeAndMethod) {
  const auto router = makeRouter();
  EXPECT_EQ(router.dispatch({"GET", "/datasets/_/eth/versions/latest", ""}).body, "_|eth|latest");
  EXPECT_EQ(router.dispatch({"DELETE", "/datasets/_/eth/versions/1.0.0", ""}).body, "delete 1.0.0");
}

TEST(Router, PercentDecodesSegments) {
  const auto router = makeRouter();
  EXPECT_EQ(router.dispatch({"GET", "/datasets/a%2Fb/c/versions/1.0.0%2Bbuild", ""}).body,
            "a/b|c|1.0.0+build");
}

TEST(Router, UnknownPathIs404WrongMethodIs405WithAllow) {
  const auto router = makeRouter();
  const auto missing = router.dispatch({"GET", "/nope", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"error_code\":\"NOT_FOUND\""), std::string::npos);
  EXPECT_EQ(router.dispatch({"GET", "/datasets//x/versions/1", ""}).status, 404);
  EXPECT_EQ(router.dispatch({"GET", "/datasets/a/b/versions/c/d", ""}).status, 404);
  const auto wrong = router.dispatch({"PUT", "/datasets/_/eth/versions/1.0.0", ""});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.at("Allow"), "GET, DELETE");
  EXPECT_NE(wrong.body.find("METHOD_NOT_ALLOWED"), std::string::npos);
}

TEST(Router, ErrorsBecomeJsonErrorBodies) {
  const auto router = makeRouter();
  const auto conflict = router.dispatch({"GET", "/boom", ""});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body, R"({"error_code":"CONFLICT_CODE","error_message":"a conflict"})");
  const auto crash = router.dispatch({"GET", "/crash", ""});
  EXPECT_EQ(crash.status, 500);
  EXPECT_NE(crash.body.find("INTERNAL_ERROR"), std::string::npos);
}

}  // namespace
}  // namespace ampd::controller
