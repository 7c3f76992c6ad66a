#include "media/media_service.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "media/hls/hls_store.hpp"
#include "media/ingest/demo_source.hpp"
#include "tests/unit/media/recording_fanout.hpp"
#include "tests/unit/media/test_media.hpp"

namespace airclass::media {
namespace {

using common::ErrorCode;

constexpr const char* kSecret = "media-service-test-secret";

std::string token(common::Role role, const std::string& room, int64_t ttl_s = 3600) {
  common::Claims c;
  c.sub = "u1";
  c.name = "Ms Teacher";
  c.role = role;
  c.room = room;
  c.exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count() + ttl_s;
  return common::mintToken(c, kSecret);
}

struct Events : MediaListener {
  std::vector<std::string> started;
  std::vector<std::string> ended;
  void onBroadcastStarted(const RoomSummary& room) override { started.push_back(room.room); }
  void onBroadcastEnded(const std::string& room) override { ended.push_back(room); }
};

class MediaServiceTest : public ::testing::Test {
 protected:
  MediaServiceTest() {
    config.auth.secret = kSecret;
    config.ingest.reconnect_grace_s = 1;
    config.transcode.ladder = {{"360p", 360, 600}, {"240p", 240, 300}, {"1080p", 1080, 5000}};
    config.transcode.x264_preset = "ultrafast";
    service = std::make_unique<MediaService>(loop, config, store, &fanout);
    service->setListener(&events);
  }

  ErrorCode publishError(const std::string& room, const std::string& jwt) {
    try {
      service->publish({room, jwt, "rtmp", "127.0.0.1:5000"});
    } catch (const common::Error& e) {
      return e.code();
    }
    ADD_FAILURE() << "publish succeeded";
    return ErrorCode::Internal;
  }

  std::unique_ptr<ingest::Publication> publish(const std::string& room) {
    return service->publish({room, token(common::Role::Teacher, room), "rtmp", "127.0.0.1:5000"});
  }

  // Publishes and sends a video config the room accepts: the broadcast is started (listed, announced).
  std::unique_ptr<ingest::Publication> startBroadcast(const std::string& room) {
    static const VideoConfig video = *test::encodeVideo(320, 240, 30, 1).video_config;
    auto pub = publish(room);
    pub->onVideoConfig(video);
    return pub;
  }

  // Sends configs, then the frames paced at twice real time; runs the loop until they are all out.
  void feed(ingest::Publication& pub, const test::EncodedTrack& video, const test::EncodedTrack& audio) {
    pub.onVideoConfig(*video.video_config);
    pub.onAudioConfig(*audio.audio_config);
    test::PacedFeeder feeder(loop, test::interleave(video, &audio), [&](const EncodedFrame& f) { pub.onFrame(f); },
                             2.0);
    ASSERT_TRUE(test::runUntil(loop, [&] { return feeder.done(); }));
  }

  std::shared_ptr<const hls::RenditionSnapshot> rendition(const std::string& room, const std::string& name) {
    auto snapshot = store.room(room);
    if (!snapshot) return nullptr;
    auto it = snapshot->renditions.find(name);
    return it == snapshot->renditions.end() ? nullptr : it->second;
  }

  size_t completeSegments(const std::string& room, const std::string& name) {
    auto r = rendition(room, name);
    if (!r) return 0;
    size_t n = 0;
    for (const auto& s : r->segments) n += s.data ? 1 : 0;
    return n;
  }

  common::Config config;
  boost::asio::io_context loop;
  hls::HlsStore store;
  test::RecordingFanout fanout;
  Events events;
  std::unique_ptr<MediaService> service;
};

TEST_F(MediaServiceTest, RefusesBadTokensWithTheRightCode) {
  EXPECT_EQ(publishError("math", "not-a-jwt"), ErrorCode::Unauthorized);
  EXPECT_EQ(publishError("math", token(common::Role::Teacher, "math", -10)), ErrorCode::Unauthorized);
  EXPECT_EQ(publishError("math", token(common::Role::Student, "math")), ErrorCode::Forbidden);
  EXPECT_EQ(publishError("math", token(common::Role::Teacher, "physics")), ErrorCode::Forbidden);
  EXPECT_EQ(publishError("../etc", token(common::Role::Teacher, "../etc")), ErrorCode::BadRequest);
  EXPECT_TRUE(service->rooms()->empty());
  EXPECT_TRUE(events.started.empty());
}

TEST_F(MediaServiceTest, SecondPublisherToALiveRoomIsAConflict) {
  auto first = startBroadcast("math");
  EXPECT_EQ(publishError("math", token(common::Role::Teacher, "math")), ErrorCode::Conflict);
  auto rooms = service->rooms();
  ASSERT_EQ(rooms->size(), 1u);
  EXPECT_EQ(rooms->front().room, "math");
  EXPECT_TRUE(rooms->front().live);
  EXPECT_EQ(rooms->front().teacher, "Ms Teacher");
  EXPECT_EQ(rooms->front().protocol, "rtmp");
  // Another room is independent.
  auto other = startBroadcast("physics");
  EXPECT_EQ(service->rooms()->size(), 2u);
}

TEST_F(MediaServiceTest, RejectsConfigsTheRoomCannotTake) {
  auto video = test::encodeVideo(640, 360, 30, 1);
  auto pub = publish("math");
  VideoConfig garbage;
  garbage.avcc = {1, 2, 3};
  try {
    pub->onVideoConfig(garbage);
    FAIL();
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  }
  AudioConfig bad_audio;
  bad_audio.asc = {0xff};
  try {
    pub->onAudioConfig(bad_audio);
    FAIL();
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  }
  pub->onFrame(video.frames.front());  // before any config: dropped, no harm
  config.ingest.max_width = 320;
  try {
    pub->onVideoConfig(*video.video_config);
    FAIL();
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::TooLarge);
  }
}

TEST_F(MediaServiceTest, PublisherRefusedAtItsFirstConfigLeavesNoTrace) {
  auto pub = publish("math");
  VideoConfig garbage;
  garbage.avcc = {1, 2, 3};
  EXPECT_THROW(pub->onVideoConfig(garbage), common::Error);
  pub.reset();  // the ingest closes the publisher
  EXPECT_TRUE(service->rooms()->empty());
  EXPECT_TRUE(events.started.empty());
  EXPECT_TRUE(events.ended.empty());
  EXPECT_FALSE(store.room("math"));
  // No grace window holds the room: the teacher can publish again at once.
  auto again = startBroadcast("math");
  EXPECT_EQ(events.started.size(), 1u);
}

TEST_F(MediaServiceTest, PublishesMasterAndMediaPlaylistsThenResumesAndEnds) {
  const auto video = test::encodeVideo(640, 360, 30, 75, 30);  // 2.5 s, a keyframe every second
  const auto audio = test::encodeAudio(2.5);
  auto pub = publish("math");
  EXPECT_TRUE(service->rooms()->empty()) << "not announced before the room accepted a video config";
  EXPECT_TRUE(events.started.empty());
  feed(*pub, video, audio);
  ASSERT_EQ(events.started.size(), 1u);
  ASSERT_TRUE(test::runUntil(loop, [&] {
    return completeSegments("math", "source") >= 1 && completeSegments("math", "360p") >= 1 &&
           completeSegments("math", "240p") >= 1 && completeSegments("math", "audio") >= 1;
  }));
  auto snapshot = store.room("math");
  ASSERT_TRUE(snapshot && snapshot->master);
  const std::string& master = *snapshot->master;
  EXPECT_NE(master.find("source/index.m3u8"), std::string::npos) << master;
  EXPECT_NE(master.find("360p/index.m3u8"), std::string::npos) << master;
  EXPECT_NE(master.find("240p/index.m3u8"), std::string::npos) << master;
  EXPECT_EQ(master.find("1080p"), std::string::npos) << "a rung above the source" << master;
  EXPECT_NE(master.find("RESOLUTION=640x360"), std::string::npos) << master;
  EXPECT_NE(master.find("RESOLUTION=426x240"), std::string::npos) << master;
  EXPECT_NE(master.find("audio/index.m3u8"), std::string::npos) << master;
  auto rooms = service->rooms();
  ASSERT_EQ(rooms->size(), 1u);
  EXPECT_EQ(rooms->front().renditions.size(), 3u);
  const int64_t started_at = rooms->front().started_at_ms;

  // The publisher drops and comes back within the grace window, its own clock restarting at zero.
  pub.reset();
  EXPECT_FALSE(service->rooms()->front().live);
  test::runUntil(loop, [] { return false; }, std::chrono::milliseconds(200));
  auto again = publish("math");
  EXPECT_TRUE(service->rooms()->front().live);
  EXPECT_EQ(service->rooms()->front().started_at_ms, started_at);
  EXPECT_EQ(events.started.size(), 1u) << "a resume is the same broadcast";
  const size_t before = completeSegments("math", "source");
  feed(*again, video, audio);
  ASSERT_TRUE(test::runUntil(loop, [&] { return completeSegments("math", "source") >= before + 2; }));
  double total_s = 0;
  for (const auto& segment : rendition("math", "source")->segments) {
    EXPECT_FALSE(segment.discontinuity) << "same config, continuous timeline";
    EXPECT_LT(segment.duration_s, 2.1) << "no gap where the publisher was away";
    total_s += segment.duration_s;
  }
  EXPECT_GT(total_s, 3.5) << "both publications follow each other on one timeline";

  // Gone for longer than the grace window: the broadcast ends, playlists get ENDLIST.
  again.reset();
  ASSERT_TRUE(test::runUntil(loop, [&] { return !events.ended.empty(); }, std::chrono::seconds(5)));
  EXPECT_EQ(events.ended.front(), "math");
  EXPECT_TRUE(service->rooms()->empty());
  for (const char* name : {"source", "360p", "240p", "audio"}) {
    auto r = rendition("math", name);
    ASSERT_TRUE(r) << name;
    EXPECT_TRUE(r->ended) << name;
    ASSERT_TRUE(r->playlist);
    EXPECT_NE(r->playlist->find("#EXT-X-ENDLIST"), std::string::npos) << name;
  }
  // A new broadcast in the same room starts fresh.
  auto next = startBroadcast("math");
  EXPECT_EQ(events.started.size(), 2u);
}

TEST_F(MediaServiceTest, FeedsEveryRenditionToTheFanoutAndForwardsKeyframeRequests) {
  config.transcode.keyframe_interval_s = 10.0;  // over 3 s the rungs cut only their first and requested keyframes
  const auto video = test::encodeVideo(640, 360, 30, 90, 90);  // 3 s, one keyframe: the source has no other
  const auto audio = test::encodeAudio(3.0);
  auto pub = publish("bio");
  pub->onVideoConfig(*video.video_config);
  pub->onAudioConfig(*audio.audio_config);
  int fed = 0;
  test::PacedFeeder feeder(loop, test::interleave(video, &audio), [&](const EncodedFrame& f) {
    pub->onFrame(f);
    if (f.kind == TrackKind::Video && ++fed == 45) {
      service->requestKeyframe("bio", "240p");     // a viewer of a rung: every rung cuts one, aligned
      service->requestKeyframe("bio", "source");   // the passthrough cannot be forced
      service->requestKeyframe("nowhere", "240p");  // no such room: ignored
    }
  }, 2.0);
  ASSERT_TRUE(test::runUntil(loop, [&] {
    return feeder.done() && fanout.count("bio/360p") >= 85 && fanout.count("bio/240p") >= 85 &&
           fanout.count("bio/audio") >= 120;
  })) << fanout.count("bio/360p") << " " << fanout.count("bio/240p") << " " << fanout.count("bio/audio");

  const auto& tracks = fanout.tracks["bio"].back();
  std::vector<std::string> names;
  for (const auto& t : tracks.video) names.push_back(t.rendition);
  EXPECT_EQ(names, (std::vector<std::string>{"240p", "360p", "source"})) << "lowest bandwidth first";
  ASSERT_TRUE(tracks.audio);
  EXPECT_EQ(tracks.audio->clock_rate, 48000u);
  EXPECT_EQ(fanout.count("bio/source"), video.frames.size());
  EXPECT_EQ(fanout.keyframes("bio/source"), 1u);
  EXPECT_EQ(fanout.keyframes("bio/360p"), 2u) << "the first and the requested one";
  std::vector<int64_t> keys[2];
  for (int i = 0; i < 2; ++i) {
    for (const auto& f : fanout.frames[i == 0 ? "bio/360p" : "bio/240p"]) {
      if (f->keyframe) keys[i].push_back(f->pts_ns);
    }
  }
  EXPECT_EQ(keys[0], keys[1]);

  service->shutdown();
  EXPECT_EQ(fanout.ended, std::vector<std::string>{"bio"});
}

TEST_F(MediaServiceTest, CountsThePublishersFramesTheRoomCannotUse) {
  const auto video = test::encodeVideo(320, 180, 30, 10, 30);
  auto pub = publish("math");
  pub->onVideoConfig(*video.video_config);
  for (const auto& f : video.frames) pub->onFrame(f);
  pub->onFrame(video.frames.front());  // once more: going backwards on the broadcast timeline
  ASSERT_TRUE(test::runUntil(loop, [&] {  // the summary is refreshed once a second
    auto rooms = service->rooms();
    return !rooms->empty() && rooms->front().dropped_frames > 0;
  }, std::chrono::seconds(3)));
  EXPECT_EQ(service->rooms()->front().dropped_frames, 1u);
}

TEST_F(MediaServiceTest, ShutdownEndsEveryBroadcast) {
  auto a = startBroadcast("math");
  auto b = startBroadcast("physics");
  service->shutdown();
  EXPECT_TRUE(service->rooms()->empty());
  EXPECT_EQ(events.ended.size(), 2u);
  EXPECT_EQ(publishError("art", token(common::Role::Teacher, "art")), ErrorCode::Unavailable);
  a.reset();  // a publication outliving its broadcast is harmless
}

TEST_F(MediaServiceTest, DemoSourcePublishesIntoARoom) {
  config.transcode.ladder = {{"240p", 240, 300}};
  ingest::DemoSource demo(loop, config, *service);
  demo.start("demo");
  EXPECT_TRUE(demo.running());
  ASSERT_TRUE(test::runUntil(loop, [&] { return !events.started.empty(); }, std::chrono::seconds(30)));
  EXPECT_EQ(service->rooms()->front().protocol, "demo");
  ASSERT_TRUE(test::runUntil(loop, [&] {
    return completeSegments("demo", "source") >= 1 && completeSegments("demo", "240p") >= 1 &&
           completeSegments("demo", "audio") >= 1;
  }, std::chrono::seconds(30)));
  auto snapshot = store.room("demo");
  ASSERT_TRUE(snapshot && snapshot->master);
  EXPECT_NE(snapshot->master->find("RESOLUTION=1280x720"), std::string::npos) << *snapshot->master;
  demo.stop();
  EXPECT_FALSE(demo.running());
  EXPECT_FALSE(service->rooms()->front().live);
}

}  // namespace
}  // namespace airclass::media
