#include "signaling/rest_api.hpp"

#include <gtest/gtest.h>

#include "signaling/clock.hpp"
#include "signaling_test_support.hpp"

namespace airclass::signaling {
namespace {

using common::Role;
using json = nlohmann::json;
using testing::kSecret;
using testing::RecordingSink;
using testing::TempDir;
using testing::token;

class RestApiTest : public ::testing::Test {
 protected:
  RestApiTest()
      : store(dir.file("signaling.db")),
        svc(ClassroomService::Settings{}, kSecret, clock, store, sink),
        rest(svc, store, kSecret, clock, 0.8) {}

  common::HttpResponse get(const std::string& path, const std::string& auth, const std::string& query = "") {
    return rest.handle("GET", path, query, auth.empty() ? "" : "Bearer " + auth);
  }

  TempDir dir;
  ManualClock clock;
  RecordingSink sink;
  SignalingStore store;
  ClassroomService svc;
  RestApi rest;
};

TEST_F(RestApiTest, SessionsAndAttendanceForTheTeacherAndAdmins) {
  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  svc.onOpen(1, "Bearer " + token(Role::Student, "math", "s1", "Sam, Jr."));
  svc.onMessage(1, R"({"v":1,"type":"join","id":"j","room":"math"})");
  clock.advanceMs(10'000);
  svc.onBroadcastEnded("math");

  std::string teacher = token(Role::Teacher, "math", "t1");
  auto r = get("/api/v1/rooms/math/sessions", teacher);
  ASSERT_EQ(r.status, 200) << *r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json j = json::parse(*r.body);
  ASSERT_EQ(j["sessions"].size(), 1u);
  EXPECT_EQ(j["sessions"][0]["duration_ms"], 10'000);
  EXPECT_FALSE(j["sessions"][0]["live"]);

  r = get("/api/v1/rooms/math/sessions/1/attendance", token(Role::Admin, "", "root"));
  ASSERT_EQ(r.status, 200) << *r.body;
  j = json::parse(*r.body);
  EXPECT_EQ(j["students"][0]["user"], "s1");
  EXPECT_EQ(j["students"][0]["present_ms"], 10'000);
  EXPECT_TRUE(j["students"][0]["met_minimum"]);

  r = get("/api/v1/rooms/math/sessions/1/attendance", teacher, "format=csv");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_NE(r.body->find("s1,\"Sam, Jr.\","), std::string::npos) << *r.body;

  r = rest.handle("GET", "/api/v1/rooms/math/sessions", "token=" + teacher, "");  // token as a query parameter
  EXPECT_EQ(r.status, 200);
}

TEST_F(RestApiTest, AccessRules) {
  auto r = get("/api/v1/rooms/math/sessions", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(*r.body)["error"]["code"], "unauthorized");
  EXPECT_EQ(get("/api/v1/rooms/math/sessions", "not.a.jwt").status, 401);
  EXPECT_EQ(get("/api/v1/rooms/math/sessions", token(Role::Student, "math", "s1")).status, 403);
  EXPECT_EQ(get("/api/v1/rooms/math/sessions", token(Role::Teacher, "bio", "t2")).status, 403);
  EXPECT_EQ(get("/api/v1/rooms/math/sessions/1/attendance", token(Role::Student, "math", "s1")).status, 403);
  EXPECT_EQ(get("/api/v1/rooms/math/sessions/99/attendance", token(Role::Teacher, "math", "t1")).status, 404);
  EXPECT_EQ(get("/api/v1/rooms/math/sessions/x/attendance", token(Role::Teacher, "math", "t1")).status, 400);
  EXPECT_EQ(get("/api/v1/nope", token(Role::Admin, "", "root")).status, 404);
}

}  // namespace
}  // namespace airclass::signaling
