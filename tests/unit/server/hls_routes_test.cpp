// /hls/ through a real HttpServer and HlsStore: an LL-HLS blocking reload is parked, then answered when the
// media side publishes the awaited part from another thread (store listener -> wake-up), or at its deadline.
#include "server/hls_routes.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "media/hls/hls_store.hpp"
#include "server/deps.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const media::hls::RenditionSnapshot> rendition(uint64_t next_msn, int next_part) {
  auto r = std::make_shared<media::hls::RenditionSnapshot>();
  r->name = "720p";
  r->next_msn = next_msn;
  r->next_part = next_part;
  r->generation = next_msn * 10 + static_cast<uint64_t>(next_part);
  r->playlist = std::make_shared<const std::string>("#EXTM3U\n# part " + std::to_string(next_msn) + "." +
                                                    std::to_string(next_part) + "\n");
  return r;
}

class HlsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routeLwsLogs(common::log::Level::Warn);
    settings_.part_duration_s = 0.2;  // deadline ~600 ms
    addHlsRoutes(router_, std::make_shared<media::hls::HlsHttp>(store_, settings_), settings_);
    HttpServer::Settings s;
    s.host = "127.0.0.1";
    s.port = 0;
    server_ = std::make_unique<HttpServer>(s, router_, metrics_);
    store_.setUpdateListener([this] { server_->wake(); });
    store_.publishRendition("math", rendition(5, 1));
    server_->start();
  }
  void TearDown() override { server_->stop(); }

  media::hls::HlsSettings settings_;
  media::hls::HlsStore store_;
  HttpRouter router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HlsRoutesTest, BlockingReloadIsAnsweredWhenThePartIsPublished) {
  test::HttpTestClient c(server_->port());
  auto now = c.request("GET", "/hls/math/720p/index.m3u8");
  EXPECT_EQ(now.status, 200);
  EXPECT_NE(now.body.find("part 5.1"), std::string::npos) << now.body;

  const auto t0 = std::chrono::steady_clock::now();
  std::thread media([this] {
    std::this_thread::sleep_for(150ms);
    store_.publishRendition("math", rendition(5, 2));  // the media loop publishing part 5.1
  });
  auto blocked = c.request("GET", "/hls/math/720p/index.m3u8?_HLS_msn=5&_HLS_part=1");
  media.join();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(blocked.status, 200);
  EXPECT_NE(blocked.body.find("part 5.2"), std::string::npos) << blocked.body;
  EXPECT_GE(elapsed, 120ms);
  EXPECT_LT(elapsed, 550ms);  // well before the deadline
}

TEST_F(HlsRoutesTest, BlockingReloadGivesUpAtTheDeadline) {
  test::HttpTestClient c(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.request("GET", "/hls/math/720p/index.m3u8?_HLS_msn=6&_HLS_part=0");
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 503);
  EXPECT_GE(elapsed, 550ms);
  EXPECT_LT(elapsed, 3000ms);
}

}  // namespace
}  // namespace airclass::server
