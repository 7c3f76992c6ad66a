// The one interface every ingest protocol (RTMP, SRT, WHIP, the demo source) uses to feed a room.
// Media loop only (the io_context thread that owns the rooms).
#pragma once
#include <memory>
#include <string>

#include "media/encoded_frame.hpp"

namespace airclass::media::ingest {

// One publisher's session in a room. Destroying it ends the publish; the room keeps the broadcast for the
// reconnect grace window, so the same teacher coming back resumes it.
class Publication {
 public:
  virtual ~Publication() = default;
  // Throws common::Error (Unsupported, TooLarge) on a config the room cannot take; the ingest then
  // reports the error to the publisher and closes.
  virtual void onVideoConfig(const VideoConfig& config) = 0;
  virtual void onAudioConfig(const AudioConfig& config) = 0;
  // Frames with timestamps on the publisher's own timeline, in decode order per track.
  virtual void onFrame(const EncodedFrame& frame) = 0;
};

struct PublishRequest {
  std::string room;
  std::string token;     // JWT from the stream key / stream id / Authorization header
  std::string protocol;  // "rtmp", "srt", "whip", "demo"
  std::string peer;      // remote address, for logs
};

class PublishGate {
 public:
  virtual ~PublishGate() = default;
  // Checks the token (a teacher of that room) and that nobody else is publishing there.
  // Throws common::Error: Unauthorized, Forbidden, Conflict (room already live), BadRequest.
  virtual std::unique_ptr<Publication> publish(const PublishRequest& request) = 0;
};

}  // namespace airclass::media::ingest
