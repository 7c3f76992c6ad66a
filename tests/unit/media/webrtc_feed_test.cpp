#include "media/webrtc_feed.hpp"

#include <gtest/gtest.h>

#include <set>

#include "media/webrtc/rtp_header.hpp"
#include "tests/unit/media/recording_fanout.hpp"
#include "tests/unit/media/test_media.hpp"

namespace airclass::media {
namespace {

std::vector<uint8_t> payloadOf(const webrtc::SharedRtpPacket& packet) {
  auto h = webrtc::RtpHeader::parse(packet->bytes);
  EXPECT_TRUE(h);
  return h ? std::vector<uint8_t>(h->payload.begin(), h->payload.end()) : std::vector<uint8_t>{};
}

TEST(WebrtcFeed, PacketizesEachRenditionOnceWithItsOwnSsrc) {
  const auto big = test::encodeVideo(640, 360, 30, 10, 5);
  const auto small = test::encodeVideo(320, 180, 30, 10, 5);
  test::RecordingFanout fanout;
  {
    WebrtcFeed feed(fanout, "math");
    feed.setVideo("source", *big.video_config, 2'000'000);
    feed.setVideo("180p", *small.video_config, 300'000);
    for (const auto& f : big.frames) feed.pushVideo("source", f);
    for (const auto& f : small.frames) feed.pushVideo("180p", f);
    feed.pushVideo("unknown", small.frames.front());  // not a track: nothing published

    ASSERT_FALSE(fanout.tracks["math"].empty());
    const auto& tracks = fanout.tracks["math"].back();
    ASSERT_EQ(tracks.video.size(), 2u);
    EXPECT_EQ(tracks.video[0].rendition, "180p");  // lowest bandwidth first
    EXPECT_EQ(tracks.video[0].width, 320);
    EXPECT_EQ(tracks.video[0].height, 180);
    EXPECT_EQ(tracks.video[1].rendition, "source");
    EXPECT_EQ(tracks.video[1].bandwidth_bps, 2'000'000);
    EXPECT_NE(tracks.video[0].ssrc, tracks.video[1].ssrc);
    EXPECT_FALSE(tracks.audio) << "no audio yet: video only";
    for (const auto& t : tracks.video) {
      EXPECT_EQ(t.payload_type, WebrtcFeed::kH264PayloadType);
      EXPECT_EQ(t.clock_rate, 90000u);
    }

    ASSERT_EQ(fanout.count("math/source"), big.frames.size());
    ASSERT_EQ(fanout.count("math/180p"), small.frames.size());
    EXPECT_EQ(fanout.count("math/unknown"), 0u);
    EXPECT_EQ(fanout.keyframes("math/source"), 2u);
    for (const auto& [key, ssrc] : {std::pair{"math/source", tracks.video[1].ssrc}, {"math/180p", tracks.video[0].ssrc}}) {
      const auto& frames = fanout.frames[key];
      ASSERT_TRUE(frames.front()->keyframe);
      // A keyframe starts with the parameter sets: a STAP-A holding the SPS (7) and the PPS (8).
      const auto first = payloadOf(frames.front()->packets.front());
      ASSERT_FALSE(first.empty());
      EXPECT_EQ(first[0] & 0x1F, 24) << key;
      EXPECT_EQ(first[3] & 0x1F, 7) << key;
      std::optional<uint16_t> last_seq;
      for (const auto& frame : frames) {
        ASSERT_FALSE(frame->packets.empty());
        for (size_t i = 0; i < frame->packets.size(); ++i) {
          auto h = webrtc::RtpHeader::parse(frame->packets[i]->bytes);
          ASSERT_TRUE(h);
          EXPECT_EQ(h->ssrc, ssrc);
          EXPECT_EQ(h->marker, i + 1 == frame->packets.size());
          if (last_seq) {
            EXPECT_EQ(h->sequence, static_cast<uint16_t>(*last_seq + 1));
          }
          last_seq = h->sequence;
        }
      }
    }

    // Opus adds the audio track; the room is re-announced with it.
    const std::vector<uint8_t> opus{0xFC, 0xFF, 0xFE};
    EncodedFrame a{TrackKind::Audio, 1'000'000, 1'000'000, true, std::make_shared<const Bytes>(opus)};
    feed.pushOpus(a);
    feed.pushOpus(a);
    ASSERT_TRUE(fanout.tracks["math"].back().audio);
    EXPECT_EQ(fanout.tracks["math"].back().audio->clock_rate, 48000u);
    EXPECT_EQ(fanout.tracks["math"].back().audio->payload_type, WebrtcFeed::kOpusPayloadType);
    EXPECT_EQ(fanout.tracks["math"].back().video.size(), 2u);
    ASSERT_EQ(fanout.count("math/audio"), 2u);
    EXPECT_EQ(payloadOf(fanout.frames["math/audio"][0]->packets.front()), opus);
    feed.removeAudio();
    EXPECT_FALSE(fanout.tracks["math"].back().audio);

    feed.end();
    feed.pushVideo("source", big.frames.front());
  }
  EXPECT_EQ(fanout.ended, std::vector<std::string>{"math"}) << "once, however often end() runs";
  EXPECT_EQ(fanout.count("math/source"), big.frames.size()) << "nothing after the end";
}

TEST(WebrtcFeed, LeavesOutARenditionWithReorderedFrames) {
  const auto video = test::encodeVideo(320, 180, 30, 4, 30);
  test::RecordingFanout fanout;
  WebrtcFeed feed(fanout, "r");
  feed.setVideo("source", *video.video_config, 1'000'000);
  feed.setVideo("180p", *video.video_config, 300'000);
  feed.pushVideo("source", video.frames[0]);
  feed.pushVideo("source", video.frames[2]);
  feed.pushVideo("source", video.frames[1]);  // presentation order goes back: B-frames
  feed.pushVideo("source", video.frames[3]);
  EXPECT_EQ(fanout.count("r/source"), 2u);
  ASSERT_EQ(fanout.tracks["r"].back().video.size(), 1u);
  EXPECT_EQ(fanout.tracks["r"].back().video[0].rendition, "180p");

  // A config that is not H.264 is refused; a fresh config brings the source back.
  feed.setVideo("180p", VideoConfig{{1, 2, 3}, 320, 180}, 300'000);
  EXPECT_TRUE(fanout.tracks["r"].back().video.empty());
  feed.setVideo("source", *video.video_config, 1'000'000);
  ASSERT_EQ(fanout.tracks["r"].back().video.size(), 1u);
  EXPECT_EQ(fanout.tracks["r"].back().video[0].rendition, "source");
}

TEST(WebrtcFeed, RtpTimeFollowsArrivalAcrossAPublisherOutage) {
  // The broadcast timeline closes a teacher's 3 s reconnect gap; the RTP clock must not, or a WebRTC receiver
  // sees every later frame 3 s "late" for its timestamp. Ordinary jitter leaves the RTP clock alone.
  const auto clip = test::encodeVideo(320, 180, 30, 6, 3);
  ASSERT_GE(clip.frames.size(), 6u);
  test::RecordingFanout fanout;
  int64_t now_ns = 0;
  WebrtcFeed feed(fanout, "math", [&now_ns] { return now_ns; });
  feed.setVideo("source", *clip.video_config, 300'000);
  const std::vector<int64_t> arrivals_ms{0, 33, 200, 233, 3266, 3300};  // 200: jitter; 3266: back after 3 s
  for (size_t i = 0; i < arrivals_ms.size(); ++i) {
    now_ns = arrivals_ms[i] * 1'000'000;
    feed.pushVideo("source", clip.frames[i]);
  }
  const auto& frames = fanout.frames["math/source"];
  ASSERT_EQ(frames.size(), arrivals_ms.size());
  auto rtpStep = [&](size_t i) {
    const auto ts = [&](size_t k) { return webrtc::RtpHeader::parse(frames[k]->packets.front()->bytes)->timestamp; };
    return static_cast<double>(static_cast<uint32_t>(ts(i) - ts(i - 1)));
  };
  for (size_t i : {1u, 2u, 3u, 5u}) {  // the timeline's own step (90 kHz), jitter or not
    EXPECT_NEAR(rtpStep(i), static_cast<double>(clip.frames[i].pts_ns - clip.frames[i - 1].pts_ns) * 9e-5, 1.0) << i;
  }
  // After the outage: the arrival gap (3033 ms), not the timeline step.
  EXPECT_NEAR(rtpStep(4), 3033.0 * 90, 1.0);
  EXPECT_EQ(frames[4]->pts_ns - frames[3]->pts_ns, 3'033'000'000);
}

TEST(WebrtcFeed, NothingAnnouncedNothingEnded) {
  test::RecordingFanout fanout;
  { WebrtcFeed feed(fanout, "quiet"); }
  EXPECT_TRUE(fanout.ended.empty());
}

}  // namespace
}  // namespace airclass::media
