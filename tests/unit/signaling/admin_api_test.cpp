#include "signaling/admin_api.hpp"

#include <gtest/gtest.h>

#include "signaling/admin_stats.hpp"
#include "signaling/classroom_service.hpp"
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

class AdminTest : public ::testing::Test {
 protected:
  AdminTest()
      : store(dir.file("signaling.db")),
        svc(ClassroomService::Settings{}, kSecret, clock, store, sink),
        stats(store),
        api(svc, stats, store, kSecret, clock) {
    svc.setAdminStats(&stats);
  }

  json send(PeerId p, json j) {
    j["v"] = 1;
    if (!j.contains("id")) j["id"] = "r" + std::to_string(++request_);
    svc.onMessage(p, j.dump());
    return sink.last(p);
  }
  PeerId joinAs(Role role, const std::string& room, const std::string& user) {
    PeerId p = next_++;
    svc.onOpen(p, "Bearer " + token(role, room, user));
    if (!room.empty()) {
      EXPECT_EQ(send(p, {{"type", "join"}, {"room", room}})["type"], "joined");
    }
    return p;
  }
  void second() {
    clock.advanceMs(1000);
    svc.tick();
  }
  common::HttpResponse call(const std::string& method, const std::string& path, const std::string& tok,
                            const std::string& body = "", const std::string& query = "") {
    return api.handle(method, path, query, tok.empty() ? "" : "Bearer " + tok, body);
  }
  static json body(const common::HttpResponse& r) { return json::parse(*r.body); }
  const std::string admin = token(Role::Admin, "", "root");

  TempDir dir;
  ManualClock clock{1'800'000'040'000};
  RecordingSink sink;
  SignalingStore store;
  ClassroomService svc;
  AdminStats stats;
  AdminApi api;
  PeerId next_ = 1;
  int request_ = 0;
};

TEST_F(AdminTest, SubscribersGetASnapshotThenADeltaEverySecond) {
  PeerId watcher = joinAs(Role::Admin, "", "root");
  json first = send(watcher, {{"type", "subscribe_stats"}, {"id", "sub"}});
  EXPECT_EQ(first["type"], "stats");
  EXPECT_EQ(first["re"], "sub");
  EXPECT_EQ(first["full"], true);
  EXPECT_TRUE(first["rooms"].empty());

  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  joinAs(Role::Student, "math", "s2");
  sink.clear();
  second();
  json e = sink.last(watcher);
  ASSERT_EQ(e["type"], "stats");
  EXPECT_EQ(e["full"], false);
  ASSERT_EQ(e["rooms"].size(), 1u);
  json math = e["rooms"][0];
  EXPECT_EQ(math["room"], "math");  // a new room comes with every field
  EXPECT_EQ(math["viewers"], 2);
  EXPECT_EQ(math["counts"]["student"], 2);
  EXPECT_EQ(math["peak"], 2);
  EXPECT_EQ(math["live"], true);
  EXPECT_EQ(math["qna_open"], true);
  EXPECT_EQ(e["totals"]["viewers"], 2);
  EXPECT_EQ(e["totals"]["members"], 3);

  second();  // nothing changed: still a tick, with no rooms
  e = sink.last(watcher);
  EXPECT_EQ(e["full"], false);
  EXPECT_TRUE(e["rooms"].empty());
  EXPECT_EQ(e["totals"]["viewers"], 2);

  svc.onClose(s1);
  second();
  e = sink.last(watcher);
  ASSERT_EQ(e["rooms"].size(), 1u);
  math = e["rooms"][0];
  EXPECT_EQ(math["viewers"], 1);
  EXPECT_EQ(math["counts"]["student"], 1);
  EXPECT_FALSE(math.contains("teacher"));  // unchanged fields are left out
  EXPECT_FALSE(math.contains("peak"));     // the peak stays 2
  EXPECT_EQ(sink.of(watcher, "stats").size(), 3u);  // one per second since the clear

  // One frame for every subscriber (serialize once).
  PeerId other = joinAs(Role::Admin, "", "root2");
  send(other, {{"type", "subscribe_stats"}});
  sink.clear();
  second();
  ASSERT_EQ(sink.frames.size(), 2u);
  EXPECT_EQ(sink.frames[0], sink.frames[1]);
}

TEST_F(AdminTest, ViewersAreDeduplicatedAcrossSignalingWebrtcAndHls) {
  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  joinAs(Role::Student, "math", "s1");
  joinAs(Role::Student, "math", "s1");  // a second tab
  joinAs(Role::Teacher, "math", "t1");  // teachers are not viewers
  MediaFeed feed;
  MediaFeed::Room m;
  m.room = "math";
  m.broadcast = m.live = true;
  m.protocol = "rtmp";
  m.bitrate_kbps = 2500;
  m.webrtc = {"s1", "w1"};
  m.hls = {"s1", "h1", "w1"};
  feed.rooms.push_back(m);
  MediaFeed::Room vlc;  // HLS players of a room signaling does not know
  vlc.room = "bio";
  vlc.hls = {"x"};
  feed.rooms.push_back(vlc);
  stats.setMediaFeed(std::make_shared<const MediaFeed>(feed));
  json j = body(call("GET", "/api/v1/stats", admin));
  ASSERT_EQ(j["rooms"].size(), 2u);
  json bio = j["rooms"][0], math = j["rooms"][1];
  EXPECT_EQ(math["viewers"], 3);  // s1, w1, h1
  EXPECT_EQ(math["players"]["webrtc"], 2);
  EXPECT_EQ(math["players"]["hls"], 3);
  EXPECT_EQ(math["counts"]["student"], 2);
  EXPECT_EQ(math["ingest"]["bitrate_kbps"], 2500);
  EXPECT_EQ(math["ingest"]["protocol"], "rtmp");
  EXPECT_EQ(bio["viewers"], 1);
  EXPECT_EQ(j["totals"]["viewers"], 4);
  EXPECT_EQ(j["totals"]["hls"], 4);
}

TEST_F(AdminTest, RemovedRoomsAndBitrateHysteresisInDeltas) {
  PeerId watcher = joinAs(Role::Admin, "", "root");
  send(watcher, {{"type", "subscribe_stats"}});
  MediaFeed feed;
  MediaFeed::Room m;
  m.room = "math";
  m.broadcast = m.live = true;
  m.bitrate_kbps = 1000;
  feed.rooms = {m};
  stats.setMediaFeed(std::make_shared<const MediaFeed>(feed));
  second();
  EXPECT_EQ(sink.last(watcher)["rooms"][0]["ingest"]["bitrate_kbps"], 1000);
  feed.rooms[0].bitrate_kbps = 1050;  // under 10%: not worth an update
  stats.setMediaFeed(std::make_shared<const MediaFeed>(feed));
  second();
  EXPECT_TRUE(sink.last(watcher)["rooms"].empty());
  feed.rooms[0].bitrate_kbps = 1200;
  stats.setMediaFeed(std::make_shared<const MediaFeed>(feed));
  second();
  EXPECT_EQ(sink.last(watcher)["rooms"][0]["ingest"]["bitrate_kbps"], 1200);
  stats.setMediaFeed(nullptr);
  second();
  EXPECT_EQ(sink.last(watcher)["removed"], json::array({"math"}));
}

TEST_F(AdminTest, NonAdminsGetForbiddenOnEveryAdminRoute) {
  const std::string teacher = token(Role::Teacher, "math", "t1");
  const std::string student = token(Role::Student, "math", "s1");
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/stats"}, {"GET", "/api/v1/stats/history"}, {"GET", "/api/v1/audit"},
      {"POST", "/api/v1/rooms/math/end"}, {"POST", "/api/v1/rooms/math/kick"}, {"POST", "/api/v1/rooms/math/qna"}};
  for (const auto& [method, path] : routes) {
    EXPECT_EQ(call(method, path, teacher, "{}").status, 403) << path;
    EXPECT_EQ(call(method, path, student, "{}").status, 403) << path;
    EXPECT_EQ(call(method, path, "").status, 401) << path;
    EXPECT_TRUE(AdminApi::handles(path)) << path;
  }
  EXPECT_FALSE(AdminApi::handles("/api/v1/rooms/math/sessions"));
  PeerId s = joinAs(Role::Student, "math", "s1");
  EXPECT_EQ(send(s, {{"type", "subscribe_stats"}})["code"], "forbidden");
}

TEST_F(AdminTest, KickClosesTheUsersSessionsAndKeepsThemOut) {
  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  PeerId a = joinAs(Role::Student, "math", "s1");
  PeerId b = joinAs(Role::Student, "math", "s1");
  PeerId other = joinAs(Role::Student, "math", "s2");
  auto r = call("POST", "/api/v1/rooms/math/kick", admin, R"({"user":"s1"})");
  ASSERT_EQ(r.status, 200) << *r.body;
  EXPECT_EQ(body(r)["closed"], 2);
  EXPECT_EQ(sink.closed[a], CloseCode::Kicked);
  EXPECT_EQ(sink.closed[b], CloseCode::Kicked);
  EXPECT_EQ(sink.closed.count(other), 0u);
  EXPECT_EQ(sink.of(a, "error").back()["code"], "forbidden");
  PeerId again = next_++;
  svc.onOpen(again, "Bearer " + token(Role::Student, "math", "s1"));
  EXPECT_EQ(send(again, {{"type", "join"}, {"room", "math"}})["code"], "forbidden");

  EXPECT_EQ(call("POST", "/api/v1/rooms/math/kick", admin, R"({"user":"nobody"})").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/rooms/nope/kick", admin, R"({"user":"s1"})").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/rooms/math/kick", admin, R"({"user":7})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/rooms/math/kick", admin, "not json").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/rooms/math/kick", admin).status, 400);

  svc.onBroadcastEnded("math");  // the ban lasts the session
  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  EXPECT_EQ(send(again, {{"type", "join"}, {"room", "math"}})["type"], "joined");
}

TEST_F(AdminTest, ClosingTheQnaRefusesAsksAndTellsTheRoom) {
  PeerId s = joinAs(Role::Student, "math", "s1");
  auto r = call("POST", "/api/v1/rooms/math/qna", admin, R"({"open":false})");
  ASSERT_EQ(r.status, 200) << *r.body;
  EXPECT_EQ(sink.last(s)["type"], "qna_state");
  EXPECT_EQ(sink.last(s)["open"], false);
  json refused = send(s, {{"type", "ask"}, {"text", "Why?"}});
  EXPECT_EQ(refused["code"], "conflict");
  EXPECT_EQ(body(call("GET", "/api/v1/stats", admin))["rooms"][0]["qna_open"], false);
  ASSERT_EQ(call("POST", "/api/v1/rooms/math/qna", admin, R"({"open":true})").status, 200);
  EXPECT_EQ(send(s, {{"type", "ask"}, {"text", "Why?"}})["type"], "ok");
  EXPECT_EQ(call("POST", "/api/v1/rooms/nope/qna", admin, R"({"open":true})").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/rooms/math/qna", admin, R"({"open":"no"})").status, 400);
}

TEST_F(AdminTest, EndGoesToTheMediaHookAndEveryActionIsAudited) {
  std::vector<std::string> ended;
  api.setHooks(AdminHooks{[&](const std::string& room) {
                            if (room != "math") return false;
                            ended.push_back(room);
                            return true;
                          },
                          nullptr});
  EXPECT_EQ(call("POST", "/api/v1/rooms/bio/end", admin).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/rooms/math/end", admin).status, 200);
  EXPECT_EQ(ended, std::vector<std::string>{"math"});
  joinAs(Role::Student, "math", "s1");
  clock.advanceMs(5);
  call("POST", "/api/v1/rooms/math/kick", admin, R"({"user":"s1"})");
  clock.advanceMs(5);
  call("POST", "/api/v1/rooms/math/qna", admin, R"({"open":false})");
  json log = body(call("GET", "/api/v1/audit", admin));
  ASSERT_EQ(log["entries"].size(), 3u);
  EXPECT_EQ(log["entries"][0]["action"], "qna_close");  // newest first
  EXPECT_EQ(log["entries"][1]["action"], "kick");
  EXPECT_EQ(log["entries"][1]["target"], "s1");
  EXPECT_EQ(log["entries"][2]["action"], "end_broadcast");
  EXPECT_EQ(log["entries"][2]["actor"], "root");
  EXPECT_EQ(log["entries"][2]["room"], "math");
  EXPECT_EQ(body(call("GET", "/api/v1/audit", admin, "", "limit=1"))["entries"].size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/audit", admin, "", "limit=-3").status, 400);
}

TEST_F(AdminTest, HistoryFromMemoryAndFromTheStoreWithRangesClamped) {
  svc.onBroadcastStarted("math", "/hls/math/index.m3u8");
  PeerId s = joinAs(Role::Student, "math", "s1");
  for (int i = 0; i < 130; ++i) {  // two minutes and more, the student keeping its connection alive
    send(s, {{"type", "ping"}});
    second();
  }
  json recent = body(call("GET", "/api/v1/stats/history", admin, "", "range=5m&room=math"));
  EXPECT_EQ(recent["step_s"], 1);
  EXPECT_EQ(recent["points"].size(), 130u);
  EXPECT_EQ(recent["points"].back()[1], 1);
  store.flush();
  json hour = body(call("GET", "/api/v1/stats/history", admin, "", "range=1h"));
  EXPECT_EQ(hour["step_s"], 60);
  ASSERT_GE(hour["points"].size(), 2u);
  EXPECT_EQ(hour["points"][1][1], 1);
  EXPECT_EQ(hour["points"][1][0].get<int64_t>() % 60000, 0);
  auto huge = call("GET", "/api/v1/stats/history", admin, "", "range=999999999999d");
  EXPECT_EQ(huge.status, 200);  // clamped to 7 days
  EXPECT_EQ(body(huge)["points"], hour["points"]);
  EXPECT_EQ(call("GET", "/api/v1/stats/history", admin, "", "range=forever").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/stats/history", admin, "", "range=0m").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/stats/history", admin, "", "range=1h&room=a%2Fb").status, 400);
}

}  // namespace
}  // namespace airclass::signaling
