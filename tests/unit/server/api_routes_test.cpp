// The REST/operations routes over a real HttpServer: /api/v1/rooms JSON shape, /healthz, /readyz, /metrics;
// and /hls/ reaching HlsHttp (404 JSON for an unknown room).
#include "server/api_routes.hpp"

#include <atomic>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media/hls/hls_store.hpp"
#include "server/deps.hpp"
#include "server/hls_routes.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

media::RoomList sampleRooms() {
  media::RoomSummary room;
  room.room = "math-101";
  room.live = true;
  room.protocol = "rtmp";
  room.teacher = "Ms Lee";
  room.started_at_ms = 1795000000123;
  room.renditions = {{"720p", 1280, 720, 2596000}, {"360p", 640, 360, 696000}};
  media::RoomSummary idle;
  idle.room = "art";
  idle.live = false;
  idle.protocol = "srt";
  return {room, idle};
}

TEST(ApiRoutes, RoomsJsonShape) {
  const nlohmann::json j = roomsJson(sampleRooms());
  ASSERT_TRUE(j["rooms"].is_array());
  ASSERT_EQ(j["rooms"].size(), 2u);
  const auto& r = j["rooms"][0];
  EXPECT_EQ(r["room"], "math-101");
  EXPECT_EQ(r["live"], true);
  EXPECT_EQ(r["protocol"], "rtmp");
  EXPECT_EQ(r["teacher"], "Ms Lee");
  EXPECT_EQ(r["started_at"], 1795000000123);
  EXPECT_EQ(r["hls"], "/hls/math-101/index.m3u8");
  ASSERT_EQ(r["renditions"].size(), 2u);
  EXPECT_EQ(r["renditions"][0]["name"], "720p");
  EXPECT_EQ(r["renditions"][0]["width"], 1280);
  EXPECT_EQ(r["renditions"][0]["height"], 720);
  EXPECT_EQ(r["renditions"][0]["bandwidth"], 2596000);
  EXPECT_EQ(j["rooms"][1]["live"], false);
  EXPECT_EQ(roomsJson({}).dump(), R"({"rooms":[]})");
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routeLwsLogs(common::log::Level::Warn);
    ApiSources sources;
    sources.rooms = [] { return std::make_shared<const media::RoomList>(sampleRooms()); };
    sources.ready = [this] { return ready_.load(); };
    sources.metrics = &metrics_;
    sources.start_time_unix_s = 1795000000;
    addApiRoutes(router_, std::move(sources));
    media::hls::HlsSettings hls;
    addHlsRoutes(router_, std::make_shared<media::hls::HlsHttp>(store_, hls), hls);
    HttpServer::Settings s;
    s.host = "127.0.0.1";
    s.port = 0;
    server_ = std::make_unique<HttpServer>(s, router_, metrics_);
    server_->start();
  }

  std::atomic<bool> ready_{false};
  media::hls::HlsStore store_;
  HttpRouter router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ApiServerTest, Rooms) {
  test::HttpTestClient c(server_->port());
  auto r = c.request("GET", "/api/v1/rooms");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["rooms"][0]["room"], "math-101");
  EXPECT_EQ(j, roomsJson(sampleRooms()));
}

TEST_F(ApiServerTest, HealthReadyMetrics) {
  test::HttpTestClient c(server_->port());
  auto health = c.request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  auto not_ready = c.request("GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(nlohmann::json::parse(not_ready.body)["error"]["code"], "unavailable");
  ready_ = true;
  EXPECT_EQ(c.request("GET", "/readyz").status, 200);
  auto metrics = c.request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("airclass_rooms_live 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("process_start_time_seconds 1795000000\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("airclass_http_requests_total{code=\"200\"} 2\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("airclass_http_requests_total{code=\"503\"} 1\n"), std::string::npos);
}

TEST_F(ApiServerTest, HlsUnknownRoomIsAJson404) {
  test::HttpTestClient c(server_->port());
  auto r = c.request("GET", "/hls/nobody/index.m3u8");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(c.request("POST", "/api/v1/rooms").status, 405);
}

}  // namespace
}  // namespace airclass::server
