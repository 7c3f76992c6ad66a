// Black-box: a teacher publishes over RTMP with real ffmpeg; the server's LL-HLS output is checked from the
// outside (playlists, segments, ffprobe, blocking reload).
#include <gtest/gtest.h>

#include "tests/integration/hls_checks.hpp"
#include "tests/integration/server_process.hpp"

namespace airclass::test {
namespace {

TEST(HlsRtmp, PublishedLessonIsServedAsLowLatencyHlsLadder) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "rtmp-room";
  PublishOptions options;
  options.seconds = 60;  // outlasts every check below; stopped when they are done
  auto publisher = publishRtmp(server, room, server.token("teacher", room, "t1"), options);

  ASSERT_TRUE(eventually([&] { return roomLive(server, room); }, 15s))
      << "room never went live\nffmpeg:\n" << tail(publisher->log()) << "\nserver:\n" << server.log();
  checkLiveHls(server, room, "rtmp");
  // The server kept the publisher through all of it.
  EXPECT_TRUE(publisher->running()) << "the publisher stopped early:\n" << tail(publisher->log());
  EXPECT_EQ(server.health(), 200);
}

}  // namespace
}  // namespace airclass::test
