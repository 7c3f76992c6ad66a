#include "media/ingest/ts_demuxer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "tests/unit/media/ingest/ingest_test_media.hpp"

namespace airclass::media::ingest {
namespace {

using namespace std::chrono_literals;
namespace t = airclass::media::ingest::testing;

// Records every output; runs on the loop, which here is the test thread.
class RecordingSink : public TsDemuxer::Sink {
 public:
  void onVideoConfig(const VideoConfig& config) override { video_configs.push_back(config); }
  void onAudioConfig(const AudioConfig& config) override { audio_configs.push_back(config); }
  void onFrame(const EncodedFrame& frame) override {
    (frame.kind == TrackKind::Video ? video : audio).push_back(frame);
    if (frame.kind == TrackKind::Video && video_configs.empty()) {
      frame_before_config = true;
    }
  }
  void onDemuxError(const std::string& message) override { errors.push_back(message); }
  void onDemuxEnd() override { ended = true; }

  std::vector<VideoConfig> video_configs;
  std::vector<AudioConfig> audio_configs;
  std::vector<EncodedFrame> video;
  std::vector<EncodedFrame> audio;
  std::vector<std::string> errors;
  bool ended = false;
  bool frame_before_config = false;
};

// Feeds `bytes` in SRT-sized pieces, then runs the loop until the sink is done (or a timeout).
void feed(boost::asio::io_context& loop, TsDemuxer& demuxer, RecordingSink& sink,
          const std::vector<uint8_t>& bytes) {
  constexpr size_t kChunk = 1316;
  for (size_t at = 0; at < bytes.size(); at += kChunk) {
    if (!demuxer.push(std::span(bytes).subspan(at, std::min(kChunk, bytes.size() - at)))) {
      break;
    }
    loop.poll();
  }
  demuxer.end();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!sink.ended && sink.errors.empty() && std::chrono::steady_clock::now() < deadline) {
    loop.run_for(10ms);
    loop.restart();
  }
}

TEST(TsDemuxer, DemuxesH264AndAacFromFfmpeg) {
  t::TempDir dir;
  const std::vector<uint8_t> ts = t::makeTs(dir, 2.0, "libx264");
  ASSERT_FALSE(ts.empty()) << "ffmpeg could not make the test stream";

  boost::asio::io_context loop;
  auto sink = std::make_shared<RecordingSink>();
  {
    TsDemuxer demuxer(loop, sink, "test");
    feed(loop, demuxer, *sink, ts);
  }
  loop.restart();
  loop.poll();

  EXPECT_TRUE(sink->errors.empty()) << sink->errors.front();
  EXPECT_TRUE(sink->ended);
  EXPECT_FALSE(sink->frame_before_config);

  ASSERT_EQ(sink->video_configs.size(), 1u);
  const VideoConfig& vc = sink->video_configs.front();
  EXPECT_EQ(vc.width, 320);
  EXPECT_EQ(vc.height, 240);
  ASSERT_GE(vc.avcc.size(), 7u);
  EXPECT_EQ(vc.avcc[0], 1);  // configurationVersion
  ASSERT_EQ(sink->audio_configs.size(), 1u);
  const AudioConfig& ac = sink->audio_configs.front();
  EXPECT_EQ(ac.sample_rate, 48000);
  EXPECT_EQ(ac.channels, 2);
  ASSERT_GE(ac.asc.size(), 2u);
  EXPECT_EQ(ac.asc[0] >> 3, 2);  // audioObjectType: AAC LC

  // 2 s at 30 fps with a keyframe every 30 frames.
  ASSERT_EQ(sink->video.size(), 60u);
  EXPECT_TRUE(sink->video.front().keyframe);
  const auto keyframes = std::count_if(sink->video.begin(), sink->video.end(), [](auto& f) { return f.keyframe; });
  EXPECT_EQ(keyframes, 2);
  EXPECT_TRUE(sink->video[30].keyframe);
  // 2 s of 1024-sample AAC frames at 48 kHz is ~94, plus the encoder's priming.
  EXPECT_GE(sink->audio.size(), 90u);
  EXPECT_LE(sink->audio.size(), 100u);

  for (const auto* track : {&sink->video, &sink->audio}) {
    for (size_t i = 0; i < track->size(); ++i) {
      const EncodedFrame& f = (*track)[i];
      ASSERT_TRUE(f.data && !f.data->empty());
      EXPECT_GE(f.pts_ns, f.dts_ns);
      if (i > 0) {
        EXPECT_GT(f.dts_ns, (*track)[i - 1].dts_ns) << "frame " << i;
      }
    }
  }
  // Timestamps start near zero and the video spans 59 frame intervals.
  EXPECT_LT(std::abs(std::min(sink->video.front().dts_ns, sink->audio.front().dts_ns)), 200'000'000);
  const int64_t span = sink->video.back().dts_ns - sink->video.front().dts_ns;
  EXPECT_NEAR(static_cast<double>(span), 59.0 / 30.0 * 1e9, 1e6);

  // AVCC: 4-byte lengths that add up to the access unit.
  for (const EncodedFrame& f : sink->video) {
    const Bytes& d = *f.data;
    size_t at = 0;
    while (at + 4 <= d.size()) {
      const size_t len = (size_t{d[at]} << 24) | (size_t{d[at + 1]} << 16) | (size_t{d[at + 2]} << 8) | d[at + 3];
      at += 4 + len;
    }
    EXPECT_EQ(at, d.size());
  }
}

TEST(TsDemuxer, ReportsHevcAsUnsupported) {
  if (!t::ffmpegHasEncoder("libx265")) {
    GTEST_SKIP() << "ffmpeg has no libx265";
  }
  t::TempDir dir;
  const std::vector<uint8_t> ts = t::makeTs(dir, 1.0, "libx265");
  ASSERT_FALSE(ts.empty());

  boost::asio::io_context loop;
  auto sink = std::make_shared<RecordingSink>();
  {
    TsDemuxer demuxer(loop, sink, "hevc");
    feed(loop, demuxer, *sink, ts);
    EXPECT_TRUE(demuxer.failed());
    EXPECT_FALSE(demuxer.push(std::span(ts).first(188)));
  }
  loop.restart();
  loop.poll();
  ASSERT_EQ(sink->errors.size(), 1u);
  EXPECT_NE(sink->errors.front().find("video/x-h265"), std::string::npos) << sink->errors.front();
  EXPECT_NE(sink->errors.front().find("unsupported"), std::string::npos) << sink->errors.front();
  EXPECT_TRUE(sink->video.empty());
}

TEST(TsDemuxer, GarbageGivesNoFrames) {
  std::vector<uint8_t> garbage(64 * 1024);
  for (size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<uint8_t>((i * 7919u) ^ (i >> 3));
  }
  boost::asio::io_context loop;
  auto sink = std::make_shared<RecordingSink>();
  {
    TsDemuxer demuxer(loop, sink, "garbage");
    for (size_t at = 0; at < garbage.size(); at += 1316) {
      demuxer.push(std::span(garbage).subspan(at, std::min<size_t>(1316, garbage.size() - at)));
    }
    std::this_thread::sleep_for(200ms);
  }
  loop.poll();
  EXPECT_TRUE(sink->video.empty());
  EXPECT_TRUE(sink->audio.empty());
}

TEST(TsDemuxer, InputBoundIsEnforced) {
  boost::asio::io_context loop;
  auto sink = std::make_shared<RecordingSink>();
  TsDemuxer::Limits limits;
  limits.max_input_bytes = 1000;
  const std::vector<uint8_t> big(4000, 0x47);
  {
    TsDemuxer demuxer(loop, sink, "bounded", limits);
    EXPECT_FALSE(demuxer.push(big));
    EXPECT_TRUE(demuxer.failed());
  }
  loop.poll();
  ASSERT_EQ(sink->errors.size(), 1u);
  EXPECT_NE(sink->errors.front().find("1000 bytes"), std::string::npos) << sink->errors.front();
}

TEST(TsDemuxer, PendingOutputBoundIsEnforced) {
  t::TempDir dir;
  const std::vector<uint8_t> ts = t::makeTs(dir, 1.0, "libx264");
  ASSERT_FALSE(ts.empty());
  boost::asio::io_context loop;  // never run while feeding: outputs pile up
  auto sink = std::make_shared<RecordingSink>();
  TsDemuxer::Limits limits;
  limits.max_pending_outputs = 10;
  {
    TsDemuxer demuxer(loop, sink, "slow-loop", limits);
    demuxer.push(ts);
    demuxer.end();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!demuxer.failed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(demuxer.failed());
  }
  loop.poll();
  EXPECT_LE(sink->video.size() + sink->audio.size() + sink->video_configs.size() + sink->audio_configs.size(), 10u);
  ASSERT_EQ(sink->errors.size(), 1u);
  EXPECT_NE(sink->errors.front().find("pending"), std::string::npos);
}

}  // namespace
}  // namespace airclass::media::ingest
