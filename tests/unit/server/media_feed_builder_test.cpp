#include "server/media_feed_builder.hpp"

#include <gtest/gtest.h>

namespace airclass::server {
namespace {

TEST(MediaFeedBuilder, JoinsTheRoomListHlsIdsAndWebrtcSessionsByRoom) {
  media::RoomList rooms(1);
  rooms[0].room = "math";
  rooms[0].live = true;
  rooms[0].protocol = "rtmp";
  rooms[0].ingest_fps = 30;
  rooms[0].renditions = {{"720p", 1280, 720, 0}, {"360p", 640, 360, 0}};
  std::map<std::pair<std::string, std::string>, RenditionMonitor::Health> health;
  health[{"math", "360p"}] = {0.5, false};
  health[{"bio", "720p"}] = {1.0, true};  // another room's rung of the same name
  std::map<std::string, std::vector<std::string>> hls{{"math", {"h1", "s1"}}, {"vlc-only", {"x"}}};
  media::webrtc::FanoutSnapshot webrtc;
  for (const auto& [room, id] : std::vector<std::pair<std::string, std::string>>{
           {"math", "s1"}, {"bio", "b1"}, {"math", "w2"}, {"math", "w3"}, {"bio", "b2"}}) {
    media::webrtc::ViewerStats v;
    v.room = room;
    v.viewer_id = id;
    webrtc.viewers.push_back(v);
  }

  const signaling::MediaFeed feed = buildMediaFeed(&rooms, std::move(hls), &webrtc, health);
  ASSERT_EQ(feed.rooms.size(), 3u);  // by name
  const auto& bio = feed.rooms[0];
  const auto& math = feed.rooms[1];
  const auto& vlc = feed.rooms[2];
  EXPECT_EQ(bio.room, "bio");
  EXPECT_FALSE(bio.broadcast);
  EXPECT_EQ(bio.webrtc, (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(math.room, "math");
  EXPECT_TRUE(math.broadcast);
  EXPECT_EQ(math.webrtc, (std::vector<std::string>{"s1", "w2", "w3"}));
  EXPECT_EQ(math.hls, (std::vector<std::string>{"h1", "s1"}));
  ASSERT_EQ(math.renditions.size(), 2u);
  EXPECT_EQ(math.renditions[0].realtime, 0.0);  // no sample yet: unknown, not another room's
  EXPECT_EQ(math.renditions[1].realtime, 0.5);
  EXPECT_FALSE(math.renditions[1].healthy);
  EXPECT_DOUBLE_EQ(math.renditions[1].fps, 15.0);
  EXPECT_EQ(vlc.room, "vlc-only");
  EXPECT_EQ(vlc.hls, (std::vector<std::string>{"x"}));
}

}  // namespace
}  // namespace airclass::server
