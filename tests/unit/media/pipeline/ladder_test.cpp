#include "media/pipeline/ladder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/error.hpp"
#include "tests/unit/media/test_media.hpp"

namespace airclass::media::pipeline {
namespace {

using test::encodeAudio;
using test::encodeVideo;

struct Collector : LadderListener {
  std::map<size_t, std::vector<VideoConfig>> configs;
  std::map<size_t, std::vector<EncodedFrame>> frames;
  std::vector<AudioConfig> audio_configs;
  std::vector<EncodedFrame> audio_frames;
  std::vector<EncodedFrame> opus_frames;
  std::vector<std::string> errors;

  void onRungConfig(size_t rung, const VideoConfig& config) override { configs[rung].push_back(config); }
  void onRungFrame(size_t rung, const EncodedFrame& frame) override { frames[rung].push_back(frame); }
  void onEncodedAudioConfig(const AudioConfig& config) override { audio_configs.push_back(config); }
  void onEncodedAudioFrame(const EncodedFrame& frame) override { audio_frames.push_back(frame); }
  void onOpusFrame(const EncodedFrame& frame) override { opus_frames.push_back(frame); }
  void onLadderError(const std::string& message) override { errors.push_back(message); }
};

LadderSettings settings(double interval_s) {
  LadderSettings s;
  s.rungs = {{"720p", 720, 2500}, {"360p", 360, 600}, {"240p", 240, 300}};
  s.keyframe_interval_s = interval_s;
  s.x264_preset = "ultrafast";
  s.audio_kbps = 64;
  return s;
}

TEST(LadderPlan, SkipsRungsAboveTheSourceAndFollowsItsAspect) {
  auto rungs = Ladder::plan(settings(1.0), 640, 360, false);
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_EQ(rungs[0].name, "360p");
  EXPECT_EQ(rungs[0].width, 640);
  EXPECT_EQ(rungs[0].height, 360);
  EXPECT_EQ(rungs[1].name, "240p");
  EXPECT_EQ(rungs[1].width, 426);  // 240 * 16/9 = 426.7, rounded to even
  EXPECT_EQ(rungs[1].height, 240);

  auto portrait = Ladder::plan(settings(1.0), 720, 1280, false);
  ASSERT_EQ(portrait.size(), 3u);
  EXPECT_EQ(portrait[0].width, 406);  // 720 * 9/16 = 405, even
  EXPECT_EQ(portrait[0].width % 2, 0);

  EXPECT_TRUE(Ladder::plan(settings(1.0), 320, 180, false).empty());
  auto kept = Ladder::plan(settings(1.0), 320, 180, true);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].name, "240p");
  EXPECT_EQ(kept[0].height, 180);
  EXPECT_EQ(kept[0].width, 320);
  EXPECT_TRUE(Ladder::plan(settings(1.0), 0, 0, true).empty());
}

TEST(Ladder, RejectsAnUnknownPreset) {
  boost::asio::io_context loop;
  Collector collector;
  auto s = settings(1.0);
  s.x264_preset = "ludicrous; rm -rf";
  auto source = encodeVideo(320, 180, 30, 1);
  try {
    Ladder ladder(loop, "r", s, Ladder::plan(s, 320, 180, true), *source.video_config, collector);
    FAIL() << "expected an error";
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), common::ErrorCode::Config);
  }
}

// The keyframes each rung must have: the first frame, then the first frame of every later interval.
std::set<int64_t> expectedKeyframes(const std::vector<EncodedFrame>& input, int64_t interval_ns) {
  std::set<int64_t> keys;
  int64_t next_slot = -1;
  for (const auto& f : input) {
    const int64_t slot = f.pts_ns / interval_ns;
    if (next_slot < 0 || slot >= next_slot) {
      keys.insert(f.pts_ns);
      next_slot = slot + 1;
    }
  }
  return keys;
}

TEST(Ladder, EncodesEveryRungWithAlignedKeyframesAndAudio) {
  // 25 fps and a 0.3 s interval: boundaries fall between frames, so the cut is "the first frame after".
  constexpr int kFps = 25;
  constexpr int kFrames = 75;
  constexpr double kInterval = 0.3;
  constexpr int64_t kOffset = 10'000'000'000;  // mid-broadcast timeline: timestamps pass through
  auto video = encodeVideo(640, 360, kFps, kFrames, 50);
  auto audio = encodeAudio(3.0);
  ASSERT_TRUE(video.video_config && audio.audio_config);
  ASSERT_EQ(video.video_config->width, 640);

  boost::asio::io_context loop;
  Collector collector;
  const auto s = settings(kInterval);
  Ladder ladder(loop, "room1", s, Ladder::plan(s, 640, 360, false), *video.video_config, collector);
  ASSERT_EQ(ladder.rungs().size(), 2u);
  ladder.setAudioConfig(*audio.audio_config);

  auto input = test::interleave(video, &audio, kOffset);
  test::PacedFeeder feeder(loop, input, [&](const EncodedFrame& f) {
    if (f.kind == TrackKind::Video) {
      EXPECT_TRUE(ladder.pushVideo(f));
    } else {
      EXPECT_TRUE(ladder.pushAudio(f));
    }
  }, 2.0);
  ASSERT_TRUE(test::runUntil(loop, [&] {
    return feeder.done() && collector.frames[0].size() >= kFrames - 1 && collector.frames[1].size() >= kFrames - 1 &&
           collector.audio_frames.size() > 100 && collector.opus_frames.size() > 120;
  })) << "rung0=" << collector.frames[0].size() << " rung1=" << collector.frames[1].size()
      << " audio=" << collector.audio_frames.size() << " opus=" << collector.opus_frames.size();
  EXPECT_TRUE(collector.errors.empty());

  // Sizes from the encoders' own caps (h264parse reads them from the SPS).
  ASSERT_FALSE(collector.configs[0].empty());
  ASSERT_FALSE(collector.configs[1].empty());
  EXPECT_EQ(collector.configs[0].front().width, 640);
  EXPECT_EQ(collector.configs[0].front().height, 360);
  EXPECT_EQ(collector.configs[1].front().width, 426);
  EXPECT_EQ(collector.configs[1].front().height, 240);
  EXPECT_FALSE(collector.configs[1].front().avcc.empty());

  std::vector<EncodedFrame> input_video;
  std::set<int64_t> input_pts;
  for (const auto& f : input) {
    if (f.kind == TrackKind::Video) {
      input_video.push_back(f);
      input_pts.insert(f.pts_ns);
    }
  }
  const auto expected = expectedKeyframes(input_video, static_cast<int64_t>(kInterval * 1e9));
  EXPECT_GE(expected.size(), 9u);
  for (size_t rung = 0; rung < 2; ++rung) {
    std::set<int64_t> keys;
    for (const auto& f : collector.frames[rung]) {
      EXPECT_TRUE(input_pts.count(f.pts_ns)) << "rung " << rung << " pts " << f.pts_ns << " not an input pts";
      if (f.keyframe) keys.insert(f.pts_ns);
    }
    // Only the final frame may be missing (the encoder holds nothing back with zerolatency).
    std::set<int64_t> expected_seen;
    for (auto pts : expected) {
      if (pts <= collector.frames[rung].back().pts_ns) expected_seen.insert(pts);
    }
    EXPECT_EQ(keys, expected_seen) << "rung " << rung;
  }

  ASSERT_FALSE(collector.audio_configs.empty());
  EXPECT_EQ(collector.audio_configs.front().sample_rate, 48000);
  EXPECT_EQ(collector.audio_configs.front().channels, 2);
  EXPECT_FALSE(collector.audio_configs.front().asc.empty());
  int64_t last = -1;
  for (const auto& f : collector.audio_frames) {
    EXPECT_GE(f.pts_ns, kOffset - 100'000'000);
    EXPECT_GT(f.pts_ns, last);
    last = f.pts_ns;
  }

  // Opus beside the AAC: 20 ms packets on the same timeline (after the first, which the encoder's look-ahead
  // shifts), each a complete Opus packet with the stereo flag of its TOC byte set.
  last = -1;
  for (size_t i = 0; i < collector.opus_frames.size(); ++i) {
    const auto& f = collector.opus_frames[i];
    EXPECT_EQ(f.kind, TrackKind::Audio);
    EXPECT_GE(f.pts_ns, kOffset - 100'000'000);
    if (i >= 2) {
      EXPECT_EQ(f.pts_ns - last, 20'000'000) << "packet " << i;
    }
    last = f.pts_ns;
    ASSERT_TRUE(f.data && !f.data->empty());
    EXPECT_TRUE(f.data->front() & 0x04) << "stereo";
  }
}

TEST(Ladder, SourceBelowEveryRungStillEncodesAudio) {
  boost::asio::io_context loop;
  Collector collector;
  const auto s = settings(1.0);
  auto video = encodeVideo(320, 180, 30, 1);
  auto audio = encodeAudio(1.0);
  Ladder ladder(loop, "room2", s, Ladder::plan(s, 320, 180, false), *video.video_config, collector);
  EXPECT_TRUE(ladder.rungs().empty());
  EXPECT_FALSE(ladder.pushVideo(video.frames.front()));
  ladder.setAudioConfig(*audio.audio_config);
  for (const auto& f : audio.frames) EXPECT_TRUE(ladder.pushAudio(f));
  EXPECT_TRUE(test::runUntil(loop, [&] { return collector.audio_frames.size() > 20 && collector.opus_frames.size() > 20; }));
}

TEST(Ladder, KeyframeRequestCutsEveryRungOnTheSameFrame) {
  // A 10 s interval: over 2 s the only keyframes are the first and the requested one.
  constexpr int kFrames = 60;
  auto video = encodeVideo(640, 360, 30, kFrames, 60);
  boost::asio::io_context loop;
  Collector collector;
  const auto s = settings(10.0);
  Ladder ladder(loop, "room4", s, Ladder::plan(s, 640, 360, false), *video.video_config, collector);
  ASSERT_EQ(ladder.rungs().size(), 2u);
  // The encoders run behind the feeder by however much the machine is loaded, so the cut lands on some
  // frame not yet encoded when the request came: after every frame the rungs had already delivered.
  int fed = 0;
  int64_t delivered_at_request = -1;
  test::PacedFeeder feeder(loop, video.frames, [&](const EncodedFrame& f) {
    EXPECT_TRUE(ladder.pushVideo(f));
    if (++fed == kFrames / 2) {
      for (auto& [rung, frames] : collector.frames) {
        if (!frames.empty()) delivered_at_request = std::max(delivered_at_request, frames.back().pts_ns);
      }
      ladder.requestKeyframe();
    }
  }, 2.0);
  ASSERT_TRUE(test::runUntil(loop, [&] {
    return feeder.done() && collector.frames[0].size() >= kFrames - 1 && collector.frames[1].size() >= kFrames - 1;
  }));
  std::set<int64_t> keys[2];
  for (size_t rung = 0; rung < 2; ++rung) {
    for (const auto& f : collector.frames[rung]) {
      if (f.keyframe) keys[rung].insert(f.pts_ns);
    }
  }
  EXPECT_EQ(keys[0].size(), 2u);
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_GT(*keys[0].rbegin(), delivered_at_request);
  EXPECT_LE(*keys[0].rbegin(), video.frames.back().pts_ns);
}

}  // namespace
}  // namespace airclass::media::pipeline

namespace airclass::media::pipeline {
namespace {

TEST(Ladder, KeepsItsRungsWhenTheSourceConfigChanges) {
  // A publisher resumes with another encoder setting (other size and aspect): the decoder reconfigures,
  // the rungs keep their size and keep producing.
  auto first = encodeVideo(640, 360, 30, 30, 30);
  auto second = encodeVideo(480, 360, 30, 30, 30, 0);
  boost::asio::io_context loop;
  Collector collector;
  const auto s = settings(1.0);
  Ladder ladder(loop, "room3", s, Ladder::plan(s, 640, 360, false), *first.video_config, collector);
  test::PacedFeeder a(loop, first.frames, [&](const EncodedFrame& f) { ladder.pushVideo(f); }, 2.0);
  ASSERT_TRUE(test::runUntil(loop, [&] { return a.done() && collector.frames[0].size() >= 29; }));
  const size_t after_first = collector.frames[0].size();

  ladder.setVideoConfig(*second.video_config);
  auto shifted = test::interleave(second, nullptr, 1'000'000'000);
  test::PacedFeeder b(loop, shifted, [&](const EncodedFrame& f) { ladder.pushVideo(f); }, 2.0);
  ASSERT_TRUE(test::runUntil(loop, [&] { return b.done() && collector.frames[0].size() >= after_first + 29; }))
      << collector.frames[0].size();
  EXPECT_TRUE(collector.errors.empty());
  for (const auto& config : collector.configs[0]) {
    EXPECT_EQ(config.width, 640);
    EXPECT_EQ(config.height, 360);
  }
  EXPECT_GE(collector.frames[0].back().pts_ns, 1'900'000'000);
}

}  // namespace
}  // namespace airclass::media::pipeline
