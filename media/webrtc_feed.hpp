// One room's WebRTC output: packetizes every video rendition (the source passthrough and each ladder rung) and
// the Opus audio into RTP once, one SSRC per track, and hands each access unit to the fan-out; tells the
// fan-out the room's tracks whenever they change. Media loop only.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/log.hpp"
#include "media/encoded_frame.hpp"
#include "media/webrtc/fanout_input.hpp"
#include "media/webrtc/h264_packetizer.hpp"
#include "media/webrtc/opus_packetizer.hpp"

namespace airclass::media {

class WebrtcFeed {
 public:
  // Payload types of the shared packets; the fan-out rewrites them to what each viewer negotiated.
  static constexpr uint8_t kH264PayloadType = 102;
  static constexpr uint8_t kOpusPayloadType = 111;
  static constexpr const char* kAudioRendition = "audio";

  using Clock = std::function<int64_t()>;  // nanoseconds, monotonic

  // `clock` says when frames arrive (tests pass a fake one).
  WebrtcFeed(webrtc::FanoutInput& fanout, std::string room, Clock clock = steadyNowNs);
  ~WebrtcFeed();  // end()
  WebrtcFeed(const WebrtcFeed&) = delete;
  WebrtcFeed& operator=(const WebrtcFeed&) = delete;

  // A video rendition appears or its H.264 config changes (new parameter sets, same SSRC and sequence space).
  // A config that is not parseable H.264 leaves the rendition out, and so does a rendition whose frames come
  // reordered (B-frames: WebRTC players do not reorder), until its next config.
  void setVideo(const std::string& rendition, const VideoConfig& config, int bandwidth_bps);
  void removeVideo(const std::string& rendition);
  void pushVideo(const std::string& rendition, const EncodedFrame& frame);
  // Opus packets (48 kHz stereo); the first one adds the audio track.
  void pushOpus(const EncodedFrame& frame);
  void removeAudio();
  // The broadcast is over: the fan-out closes the room's viewers. Idempotent.
  void end();

  static int64_t steadyNowNs();

 private:
  // A track's RTP time follows arrival across outages. The broadcast timeline closes a publisher's gap (a
  // reconnect continues right after the last frame), which is what HLS wants; but a WebRTC receiver paces
  // playout by RTP time against arrival, so frames that arrive seconds "late" for their timestamps would stall
  // its jitter buffer. When frames arrive much later than their timeline step, the RTP clock moves on by the
  // excess (never back: ordinary jitter and bursts below the threshold leave it alone).
  struct RtpClock {
    static constexpr int64_t kOutageNs = 500'000'000;
    std::optional<int64_t> last_pts_ns;
    int64_t last_arrival_ns = 0;
    int64_t shift_ns = 0;
    int64_t map(int64_t pts_ns, int64_t arrival_ns);  // the pts the packets carry
  };
  struct VideoTrack {
    webrtc::TrackInfo info;
    std::unique_ptr<webrtc::H264Packetizer> packetizer;
    std::optional<int64_t> last_pts_ns;
    bool reordered = false;
    RtpClock clock;
  };

  uint32_t newSsrc();
  void announce();

  webrtc::FanoutInput& fanout_;
  const std::string room_;
  std::mt19937 random_;
  std::map<std::string, VideoTrack> video_;
  std::optional<webrtc::TrackInfo> audio_;
  std::unique_ptr<webrtc::OpusPacketizer> opus_;
  RtpClock audio_clock_;
  Clock clock_;
  bool announced_ = false;
  bool ended_ = false;
  common::log::RateLimit warn_limit_{std::chrono::seconds(5)};
};

}  // namespace airclass::media
