// The demo token route: query parsing (roles, rooms, names, percent-encoding, bounds) and minted tokens that
// verify with the secret; a router without the demo routes answers 404.
#include "server/demo_routes.hpp"

#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "server/http_router.hpp"

namespace airclass::server {
namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpReply get(const HttpRouter& router, const std::string& path, const std::string& query) {
  HttpRequest request;
  request.method = HttpMethod::Get;
  request.path = path;
  request.query = query;
  return router.route(request);
}

void expectBadRequest(std::string_view query) {
  try {
    parseDemoTokenQuery(query);
    ADD_FAILURE() << "accepted: " << query;
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), common::ErrorCode::BadRequest) << query;
  }
}

TEST(DemoRoutes, ParsesRoleRoomAndName) {
  DemoTokenRequest r = parseDemoTokenQuery("role=teacher&room=math-101&name=Ms%20Lee");
  EXPECT_EQ(r.role, common::Role::Teacher);
  EXPECT_EQ(r.room, "math-101");
  EXPECT_EQ(r.name, "Ms Lee");
  r = parseDemoTokenQuery("room=demo&name=Ana+Mar%C3%ADa");
  EXPECT_EQ(r.role, common::Role::Student);  // the default
  EXPECT_EQ(r.name, "Ana Mar\xC3\xAD" "a");
  EXPECT_EQ(parseDemoTokenQuery("role=student&room=a_b").name, "");
}

TEST(DemoRoutes, RejectsBadInput) {
  expectBadRequest("");
  expectBadRequest("role=student");
  expectBadRequest("role=admin&room=demo");  // never an admin token
  expectBadRequest("role=student&room=");
  expectBadRequest("role=student&room=a%2Fb");
  expectBadRequest("role=student&room=" + std::string(65, 'a'));
  expectBadRequest("room=demo&name=" + std::string(65, 'x'));
  expectBadRequest("room=demo&name=a%0Ab");   // control character
  expectBadRequest("room=demo&name=%FF%FE");  // not UTF-8
  expectBadRequest("room=demo&name=%4");      // truncated escape
  expectBadRequest("room=demo&name=%zz");
  expectBadRequest("room=demo&name=" + std::string(2000, 'x'));
}

TEST(DemoRoutes, MintsAVerifiableShortLivedToken) {
  HttpRouter router;
  addDemoRoutes(router, "s3cret");
  HttpReply reply = get(router, "/api/v1/demo/token", "role=teacher&room=demo&name=Ms%20Lee");
  ASSERT_EQ(reply.response.status, 200);
  EXPECT_EQ(reply.response.cache_control, "no-store");
  const auto body = nlohmann::json::parse(*reply.response.body);
  const common::Claims claims = common::verifyToken(body["token"].get<std::string>(), "s3cret", nowSeconds());
  EXPECT_EQ(claims.role, common::Role::Teacher);
  EXPECT_EQ(claims.room, "demo");
  EXPECT_EQ(claims.name, "Ms Lee");
  EXPECT_EQ(claims.sub, body["user"]);
  EXPECT_LE(claims.exp, nowSeconds() + kDemoTokenTtl.count() + 1);
  EXPECT_GT(claims.exp, nowSeconds());

  // Two students are two users, each with a made-up name.
  const auto a = nlohmann::json::parse(*get(router, "/api/v1/demo/token", "role=student&room=demo").response.body);
  const auto b = nlohmann::json::parse(*get(router, "/api/v1/demo/token", "role=student&room=demo").response.body);
  EXPECT_NE(a["user"], b["user"]);
  EXPECT_EQ(a["role"], "student");
  EXPECT_FALSE(a["name"].get<std::string>().empty());

  HttpReply bad = get(router, "/api/v1/demo/token", "role=admin&room=demo");
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(nlohmann::json::parse(*bad.response.body)["error"]["code"], "bad_request");
}

TEST(DemoRoutes, AbsentOutsideDemoMode) {
  HttpRouter router;  // what the server builds without --demo
  EXPECT_EQ(get(router, "/api/v1/demo/token", "role=student&room=demo").response.status, 404);
}

}  // namespace
}  // namespace airclass::server
