// The rooms' media: admits publishers (PublishGate), runs each live room's RoomMedia (ladder, HLS, WebRTC), keeps a
// room through the reconnect grace window, and publishes the list of rooms for other threads.
// Media loop only, except rooms() which any thread may call.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/config.hpp"
#include "media/ingest/publication.hpp"

namespace airclass::media {

namespace hls { class HlsStore; }
namespace webrtc { class FanoutInput; }
class RoomMedia;

struct RenditionSummary {
  std::string name;
  int width = 0;
  int height = 0;
  int bandwidth_bps = 0;
};

struct RoomSummary {
  std::string room;
  bool live = false;            // a publisher is connected (false while in the reconnect grace window)
  std::string protocol;         // rtmp | srt | whip | demo
  std::string teacher;          // the publisher token's `name`
  int64_t started_at_ms = 0;    // unix ms when the broadcast began
  std::vector<RenditionSummary> renditions;
  double ingest_kbps = 0;       // the publisher's bitrate and video frame rate over the last seconds
  double ingest_fps = 0;
  uint64_t dropped_frames = 0;  // publisher frames the room could not use
};
using RoomList = std::vector<RoomSummary>;

// Told of broadcasts starting and ending (the server forwards these to signaling). Media loop.
class MediaListener {
 public:
  virtual ~MediaListener() = default;
  virtual void onBroadcastStarted(const RoomSummary& room) = 0;
  virtual void onBroadcastEnded(const std::string& room) = 0;
};

class MediaService final : public ingest::PublishGate {
 public:
  // `fanout` (may be null: WebRTC off) receives every broadcast's renditions as RTP; it must outlive the service.
  MediaService(boost::asio::io_context& loop, const common::Config& config, hls::HlsStore& hls,
               webrtc::FanoutInput* fanout = nullptr);
  ~MediaService() override;

  std::unique_ptr<ingest::Publication> publish(const ingest::PublishRequest& request) override;

  void setListener(MediaListener* listener);
  // The fan-out's keyframe request for a room's rendition (FanoutListener, relayed by the server).
  void requestKeyframe(const std::string& room, const std::string& rendition);
  // Ends every broadcast (playlists get EXT-X-ENDLIST). Called before the loop stops.
  void shutdown();
  // Ends a broadcast now (an admin's action): the publisher is disconnected (its next frame is refused), the
  // playlists end, listeners hear onBroadcastEnded. False when the room has no broadcast.
  bool endBroadcast(const std::string& room);

  // Any thread: the latest immutable list of rooms with a broadcast (live or in its grace window).
  std::shared_ptr<const RoomList> rooms() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airclass::media
