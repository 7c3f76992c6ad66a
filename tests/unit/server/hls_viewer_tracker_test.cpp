#include "server/hls_viewer_tracker.hpp"

#include <gtest/gtest.h>

namespace airclass::server {
namespace {

using namespace std::chrono_literals;
using Type = HlsViewerTracker::RequestType;

TEST(HlsViewerTracker, RequestTypes) {
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/math/index.m3u8"), Type::Master);
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/math/720p/index.m3u8"), Type::Playlist);
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/math/720p/init-0.mp4"), Type::Init);
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/math/720p/seg-12.m4s"), Type::Segment);
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/math/720p/part-12.3.m4s"), Type::Part);
  EXPECT_EQ(HlsViewerTracker::typeOf("/hls/x"), Type::Other);
}

TEST(HlsViewerTracker, IdsFromPlaylistRequestsExpireAfterTwoTargets) {
  HlsViewerTracker t(2000ms);
  t.onRequest("/hls/math/index.m3u8", "vid=a", 200, 0);
  t.onRequest("/hls/math/720p/index.m3u8", "_HLS_msn=3&vid=a&_HLS_part=1", 200, 100);  // same player
  t.onRequest("/hls/math/720p/index.m3u8", "vid=b", 200, 500);
  t.onRequest("/hls/bio/360p/index.m3u8", "vid=a", 200, 500);  // the same id in another room counts there
  t.onRequest("/hls/math/720p/seg-1.m4s", "vid=c", 200, 500);  // media requests do not count
  t.onRequest("/hls/math/720p/index.m3u8", "vid=d", 404, 500);  // nor failures
  t.onRequest("/hls/math/720p/index.m3u8", "vid=bad%20id", 200, 500);
  t.onRequest("/hls/math/720p/index.m3u8", "", 200, 500);
  auto v = t.viewers(1000);
  EXPECT_EQ(v["math"], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v["bio"], (std::vector<std::string>{"a"}));
  t.onRequest("/hls/math/720p/index.m3u8", "vid=a", 200, 2000);
  v = t.viewers(2600);  // b last asked at 500: gone 2 s later
  EXPECT_EQ(v["math"], (std::vector<std::string>{"a"}));
  EXPECT_EQ(v.count("bio"), 0u);
  EXPECT_TRUE(t.viewers(10'000).empty());
  EXPECT_EQ(t.requests().at({Type::Playlist, 200}), 6u);
  EXPECT_EQ(t.requests().at({Type::Playlist, 404}), 1u);
  EXPECT_EQ(t.requests().at({Type::Segment, 200}), 1u);
  EXPECT_EQ(t.requests().at({Type::Master, 200}), 1u);
}

TEST(HlsViewerTracker, BoundedNumberOfIds) {
  HlsViewerTracker t(2000ms, 3);
  for (int i = 0; i < 10; ++i) t.onRequest("/hls/r/index.m3u8", "vid=v" + std::to_string(i), 200, 0);
  EXPECT_EQ(t.tracked(), 3u);
  t.onRequest("/hls/r/index.m3u8", "vid=late", 200, 5000);  // the old ones expired: room again
  EXPECT_EQ(t.viewers(5000)["r"], std::vector<std::string>{"late"});
}

}  // namespace
}  // namespace airclass::server
