#include "media/hls/rendition_packager.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "media/hls/hls_store.hpp"

namespace airclass::media::hls {
namespace {

using namespace std::chrono_literals;

// A real 1280x720 High profile avcC (libx264), see tests/unit/media/codec/h264_config_test.cpp.
Bytes avcc720p() {
  const std::string hex =
      "0164001fffe1001a6764001facd9405005bb0110000003001000000303c0f183196001000668ebe3cb22c0fdf8f800";
  Bytes out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

constexpr int64_t kFrameNs = 1'000'000'000 / 30;  // 30 fps: 3000 ticks at 90 kHz after rounding

EncodedFrame videoFrame(int64_t index, bool key, int64_t offset_ns = 0) {
  EncodedFrame f;
  f.kind = TrackKind::Video;
  f.dts_ns = offset_ns + index * kFrameNs;
  f.pts_ns = f.dts_ns;
  f.keyframe = key;
  f.data = std::make_shared<const Bytes>(Bytes{0, 0, 0, 2, key ? uint8_t{0x65} : uint8_t{0x41}, 0x88});
  return f;
}

class PackagerTest : public ::testing::Test {
 protected:
  PackagerTest() {
    settings_.segment_duration_s = 1.0;
    settings_.part_duration_s = 0.333;
    settings_.window_segments = 3;
  }

  std::unique_ptr<RenditionPackager> makeVideo() {
    auto p = std::make_unique<RenditionPackager>(store_, "room1", "720p", TrackKind::Video, settings_);
    // 2026-11-29T00:00:00Z
    p->setWallClock([] { return std::chrono::system_clock::time_point(std::chrono::seconds(1795910400)); });
    VideoConfig config;
    config.avcc = avcc720p();
    config.width = 1280;
    config.height = 720;
    p->setVideoConfig(config);
    return p;
  }

  // Frames [from, to) with a keyframe every 30.
  static void pushVideo(RenditionPackager& p, int64_t from, int64_t to, int64_t offset_ns = 0) {
    for (int64_t i = from; i < to; ++i) p.push(videoFrame(i, i % 30 == 0, offset_ns));
  }

  std::shared_ptr<const RenditionSnapshot> snapshot(const std::string& name = "720p") {
    auto room = store_.room("room1");
    if (!room) return nullptr;
    auto it = room->renditions.find(name);
    return it == room->renditions.end() ? nullptr : it->second;
  }
  std::string playlist() {
    auto s = snapshot();
    return s && s->playlist ? *s->playlist : std::string();
  }

  HlsStore store_;
  HlsSettings settings_;
};

TEST_F(PackagerTest, RendersPartsSegmentsAndPreloadHint) {
  auto p = makeVideo();
  pushVideo(*p, 0, 71);  // frame 70 closes part 0 of segment 2
  const std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:6\n"
      "#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-PART-INF:PART-TARGET=0.33333\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1,HOLD-BACK=3\n"
      "#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-MAP:URI=\"init-0.mp4\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T00:00:00.000Z\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-0.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-0.1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-0.2.m4s\"\n"
      "#EXTINF:1.00000,\n"
      "seg-0.m4s\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T00:00:01.000Z\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-1.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-1.1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-1.2.m4s\"\n"
      "#EXTINF:1.00000,\n"
      "seg-1.m4s\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T00:00:02.000Z\n"
      "#EXT-X-PART:DURATION=0.33333,URI=\"part-2.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-2.1.m4s\"\n";
  EXPECT_EQ(playlist(), expected);
  auto s = snapshot();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->next_msn, 2u);
  EXPECT_EQ(s->next_part, 1);
  ASSERT_EQ(s->segments.size(), 3u);
  EXPECT_TRUE(s->segments[0].data);
  EXPECT_FALSE(s->segments[2].data);  // still growing
  EXPECT_EQ(s->inits.count(0), 1u);
  EXPECT_FALSE(s->audio);
  // A segment is its parts back to back.
  std::string joined;
  for (const auto& part : s->segments[1].parts) joined += *part.data;
  EXPECT_EQ(joined, *s->segments[1].data);
}

TEST_F(PackagerTest, PublishesAfterEveryPart) {
  auto p = makeVideo();
  pushVideo(*p, 0, 10);
  EXPECT_EQ(snapshot(), nullptr);  // no part complete yet
  pushVideo(*p, 10, 11);
  auto first = snapshot();
  ASSERT_TRUE(first);
  pushVideo(*p, 11, 20);
  EXPECT_EQ(snapshot(), first);
  pushVideo(*p, 20, 21);
  auto second = snapshot();
  ASSERT_NE(second, first);
  EXPECT_EQ(second->generation, first->generation + 1);
  EXPECT_EQ(second->next_part, 2);
}

TEST_F(PackagerTest, SlidingWindowDropsOldSegments) {
  auto p = makeVideo();
  pushVideo(*p, 0, 30 * 8 + 1);  // segments 0..7 complete, 8 open
  auto s = snapshot();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->segments.size(), 4u);  // window of 3 + the open one
  EXPECT_EQ(s->segments.front().msn, 5u);
  const std::string pl = *s->playlist;
  EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:5\n"), std::string::npos);
  EXPECT_EQ(pl.find("seg-4.m4s"), std::string::npos);
  EXPECT_NE(pl.find("#EXT-X-PROGRAM-DATE-TIME:2026-11-29T00:00:05.000Z\n"), std::string::npos);
}

TEST_F(PackagerTest, SegmentsWaitForKeyframe) {
  auto p = makeVideo();
  // Keyframes every 60 frames: segments run 2 s, so the target duration rises to 2.
  for (int64_t i = 5; i < 130; ++i) p->push(videoFrame(i, i % 60 == 0));  // starts without a keyframe
  auto s = snapshot();
  ASSERT_TRUE(s);
  ASSERT_GE(s->segments.size(), 1u);
  EXPECT_NEAR(s->segments[0].duration_s, 2.0, 1e-9);
  EXPECT_NE(s->playlist->find("#EXT-X-TARGETDURATION:2\n"), std::string::npos);
  EXPECT_NE(s->playlist->find("#EXTINF:2.00000,\nseg-0.m4s\n"), std::string::npos);
  // Only parts starting at the keyframe are independent.
  EXPECT_TRUE(s->segments[0].parts[0].independent);
  EXPECT_FALSE(s->segments[0].parts[1].independent);
}

TEST_F(PackagerTest, BackwardsDtsIsDropped) {
  auto p = makeVideo();
  pushVideo(*p, 0, 15);
  p->push(videoFrame(3, false));  // goes back: dropped
  p->push(videoFrame(14, false));  // repeats: dropped
  pushVideo(*p, 15, 31);
  auto s = snapshot();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->segments.size(), 2u);
  EXPECT_NEAR(s->segments[0].duration_s, 1.0, 1e-9);
}

TEST_F(PackagerTest, DiscontinuityAndConfigChange) {
  auto p = makeVideo();
  pushVideo(*p, 0, 45);  // segment 0 complete, segment 1 half-way
  p->discontinuity();    // closes segment 1 at 15 frames (+ the held-back one)
  pushVideo(*p, 0, 31, 0);  // the timeline restarts at 0: allowed after a discontinuity
  auto s = snapshot();
  ASSERT_TRUE(s);
  std::string pl = *s->playlist;
  EXPECT_NE(pl.find("#EXTINF:0.50000,\nseg-1.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME"), std::string::npos)
      << pl;
  // A new codec configuration: a new init segment and a discontinuity with a new EXT-X-MAP.
  VideoConfig other;
  other.avcc = avcc720p();
  other.avcc[3] = 0x28;  // level 4.0 in the record header: a different configuration
  other.width = 1280;
  other.height = 720;
  p->setVideoConfig(other);
  pushVideo(*p, 31, 61);  // waits for the keyframe at 60
  pushVideo(*p, 61, 71);
  s = snapshot();
  pl = *s->playlist;
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"), std::string::npos) << pl;
  EXPECT_EQ(s->inits.count(1), 1u);
  EXPECT_EQ(s->segments.back().init_id, 1);
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"), std::string::npos);
  // Roll the window until the first discontinuity leaves it: the sequence counts it, init-0 goes.
  pushVideo(*p, 71, 60 + 30 * 5 + 1);
  s = snapshot();
  pl = *s->playlist;
  EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"), std::string::npos) << pl;
  EXPECT_EQ(pl.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << pl;
  EXPECT_EQ(s->inits.count(0), 0u);
}

TEST_F(PackagerTest, FinishEndsThePlaylist) {
  auto p = makeVideo();
  pushVideo(*p, 0, 40);
  p->finish();
  auto s = snapshot();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->ended);
  const std::string pl = *s->playlist;
  EXPECT_NE(pl.find("#EXTINF:0.33333,\nseg-1.m4s\n#EXT-X-ENDLIST\n"), std::string::npos) << pl;
  EXPECT_EQ(pl.find("PRELOAD-HINT"), std::string::npos);
  p->push(videoFrame(40, false));
  EXPECT_EQ(snapshot(), s);  // nothing after the end
}

TEST_F(PackagerTest, FramesBeforeConfigAreDropped) {
  RenditionPackager p(store_, "room1", "720p", TrackKind::Video, settings_);
  pushVideo(p, 0, 40);
  EXPECT_EQ(snapshot(), nullptr);
  VideoConfig bad;
  bad.avcc = {1, 2, 3};
  p.setVideoConfig(bad);  // rejected
  pushVideo(p, 40, 80);
  EXPECT_EQ(snapshot(), nullptr);
}

TEST_F(PackagerTest, AudioPartsAreAllIndependent) {
  RenditionPackager p(store_, "room1", "audio", TrackKind::Audio, settings_);
  AudioConfig config;
  config.asc = {0x11, 0x90};  // AAC-LC 48 kHz stereo
  config.sample_rate = 48000;
  config.channels = 2;
  p.setAudioConfig(config);
  for (int64_t i = 0; i < 200; ++i) {  // 1024-sample frames
    EncodedFrame f;
    f.kind = TrackKind::Audio;
    f.dts_ns = f.pts_ns = i * 1024 * 1'000'000'000LL / 48000;
    f.data = std::make_shared<const Bytes>(Bytes(200, 0x21));
    p.push(f);
  }
  auto s = snapshot("audio");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->audio);
  ASSERT_GE(s->segments.size(), 3u);
  for (const auto& seg : s->segments) {
    for (const auto& part : seg.parts) EXPECT_TRUE(part.independent);
    if (seg.data) {
      EXPECT_NEAR(seg.duration_s, 1.0, 0.03);
    }
  }
  // 48 kHz timescale: a 16-frame part is exactly 16 * 1024 / 48000 s.
  EXPECT_NEAR(s->segments[0].parts[0].duration_s, 16 * 1024 / 48000.0, 1e-9);
}

TEST_F(PackagerTest, AudioSegmentsAlignToTheTimelineGrid) {
  settings_.window_segments = 20;
  RenditionPackager p(store_, "room1", "audio", TrackKind::Audio, settings_);
  AudioConfig config;
  config.asc = {0x11, 0x90};
  p.setAudioConfig(config);
  const int64_t start_ns = 1'300'000'000;  // audio starts at 1.3 s on the broadcast timeline
  for (int64_t i = 0; i < 300; ++i) {
    EncodedFrame f;
    f.kind = TrackKind::Audio;
    f.dts_ns = f.pts_ns = start_ns + i * 1024 * 1'000'000'000LL / 48000;
    f.data = std::make_shared<const Bytes>(Bytes(50, 0x21));
    p.push(f);
  }
  auto s = snapshot("audio");
  ASSERT_TRUE(s);
  ASSERT_GE(s->segments.size(), 4u);
  // The first segment runs to 2.0 s (0.7 s: at least half a segment); then every boundary is
  // within one AAC frame (21.3 ms) after a whole second, without drifting.
  double t = 1.3;
  for (size_t i = 0; i + 1 < s->segments.size(); ++i) {
    t += s->segments[i].duration_s;
    const double grid = std::ceil(t - 0.0214);
    EXPECT_GE(t, grid) << i;
    EXPECT_LT(t - grid, 1024 / 48000.0 + 1e-9) << i;
  }
  EXPECT_NEAR(s->segments[0].duration_s, 0.7, 0.022);
}

TEST_F(PackagerTest, HugeForwardJumpIsADiscontinuity) {
  auto p = makeVideo();
  pushVideo(*p, 0, 45);
  pushVideo(*p, 0, 31, 3600LL * 1'000'000'000);  // an hour later, unannounced
  auto s = snapshot();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->segments.size(), 4u);
  EXPECT_NEAR(s->segments[1].duration_s, 0.5, 1e-9);  // 15 frames: the held-back one kept its duration
  EXPECT_TRUE(s->segments[2].discontinuity);
  EXPECT_NE(s->playlist->find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
}

TEST_F(PackagerTest, KeyframelessVideoIsBounded) {
  auto p = makeVideo();
  p->push(videoFrame(0, true));
  for (int64_t i = 1; i < 30 * 12; ++i) p->push(videoFrame(i, false));  // 12 s, one keyframe
  auto s = snapshot();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->segments.size(), 1u);
  ASSERT_TRUE(s->segments[0].data);  // closed at the 10 s bound
  EXPECT_NEAR(s->segments[0].duration_s, 10.0, 0.04);
  pushVideo(*p, 360, 391);  // the next keyframe (360) starts a new segment
  s = snapshot();
  ASSERT_EQ(s->segments.size(), 3u);  // 0, 1 complete; 2 just opened
  EXPECT_EQ(s->segments[1].msn, 1u);
  EXPECT_NEAR(s->segments[1].duration_s, 1.0, 1e-9);
}

}  // namespace
}  // namespace airclass::media::hls
