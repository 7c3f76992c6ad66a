// One room's broadcast: maps every publisher (and every reconnect) onto one continuous broadcast timeline,
// feeds the passthrough rendition and the transcoding ladder, packages each rendition for HLS and publishes
// the room's master playlist, and feeds every rendition to the WebRTC fan-out. Media loop only.
#pragma once
#include <boost/asio/io_context.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/log.hpp"
#include "media/encoded_frame.hpp"
#include "media/media_service.hpp"
#include "media/pipeline/ladder.hpp"
#include "media/pipeline/ladder_listener.hpp"

namespace airclass::media {

namespace hls {
class HlsStore;
class RenditionPackager;
}  // namespace hls
namespace webrtc {
class FanoutInput;
}  // namespace webrtc
class WebrtcFeed;

class RoomMedia final : private pipeline::LadderListener {
 public:
  // `on_change` runs (on the loop) when the room's renditions become known or change. `fanout` (may be null:
  // WebRTC off) receives every rendition as RTP.
  RoomMedia(boost::asio::io_context& loop, const common::Config& config, hls::HlsStore& store, std::string room,
            std::function<void()> on_change, webrtc::FanoutInput* fanout = nullptr);
  ~RoomMedia() override;
  RoomMedia(const RoomMedia&) = delete;
  RoomMedia& operator=(const RoomMedia&) = delete;

  // A publisher starts (the first one, or one resuming the broadcast): its first frame is placed right
  // after the last frame so far, and it must send its configs before its frames.
  void beginPublication();
  // Throw common::Error: Unsupported (not H.264 / AAC, or a malformed config), TooLarge (resolution).
  void onVideoConfig(const VideoConfig& config);
  void onAudioConfig(const AudioConfig& config);
  // Publisher-timeline frames; dropped (with a rate-limited warning) when they cannot be used.
  void onFrame(const EncodedFrame& frame);
  // The broadcast is over: the ladder stops, every playlist gets EXT-X-ENDLIST, WebRTC viewers are closed.
  void finish();
  // A WebRTC viewer of `rendition` needs a keyframe: every ladder rung cuts one on its next frame (aligned).
  // The passthrough source cannot be asked: its keyframes come when the publisher sends them.
  void requestKeyframe(const std::string& rendition);

  const std::string& room() const { return room_; }
  std::vector<RenditionSummary> renditions() const;
  // The broadcast timeline's end so far (ns): where a resuming publisher continues.
  int64_t timelineEnd() const { return end_ns_; }
  // Publisher frames the room could not use: sent before their codec config, or going backwards on the
  // timeline. (A starved transcoder's own drops show in the renditions' health instead.)
  uint64_t droppedFrames() const { return dropped_frames_; }

 private:
  struct Rung {
    pipeline::RungPlan plan;
    std::unique_ptr<hls::RenditionPackager> packager;
    std::optional<VideoConfig> config;  // the encoder's output config
  };

  void startVideo(const VideoConfig& config);
  void maybePublishMaster();
  void warnDropped(const char* message, TrackKind kind);
  std::unique_ptr<hls::RenditionPackager> makePackager(const std::string& name, TrackKind kind);

  // LadderListener
  void onRungConfig(size_t rung, const VideoConfig& config) override;
  void onRungFrame(size_t rung, const EncodedFrame& frame) override;
  void onEncodedAudioConfig(const AudioConfig& config) override;
  void onEncodedAudioFrame(const EncodedFrame& frame) override;
  void onOpusFrame(const EncodedFrame& frame) override;
  void onLadderError(const std::string& message) override;

  boost::asio::io_context& loop_;
  const common::Config& config_;
  hls::HlsStore& store_;
  const std::string room_;
  std::function<void()> on_change_;

  std::optional<VideoConfig> video_config_;  // the broadcast's current source configs
  std::optional<AudioConfig> audio_config_;
  bool publisher_video_config_ = false;      // the current publisher sent its own
  bool publisher_audio_config_ = false;

  std::unique_ptr<hls::RenditionPackager> source_;  // passthrough; null when [transcode] passthrough = false
  std::unique_ptr<hls::RenditionPackager> audio_;
  std::vector<Rung> rungs_;
  std::unique_ptr<pipeline::Ladder> ladder_;
  std::unique_ptr<WebrtcFeed> webrtc_;  // null when WebRTC is off
  bool master_published_ = false;
  bool finished_ = false;

  // Timeline: broadcast = publisher + offset_ns_, decided by the publisher's first frame.
  std::optional<int64_t> offset_ns_;
  int64_t end_ns_ = 0;
  std::array<std::optional<int64_t>, 2> last_dts_;  // per TrackKind, broadcast timeline
  std::array<int64_t, 2> last_step_ns_{33'000'000, 21'000'000};
  bool wait_keyframe_ = true;
  uint64_t dropped_frames_ = 0;

  common::log::RateLimit warn_limit_{std::chrono::seconds(5)};
};

}  // namespace airclass::media
