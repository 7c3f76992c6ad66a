// The fan-out as a room's media sees it: the media-loop half of Fanout (a room's tracks, each rendition's
// packetized frames, the end of the broadcast). RoomMedia writes to this interface so that media does not
// depend on the fan-out's implementation; the server adapts its Fanout to it. Media loop only.
#pragma once
#include <memory>
#include <string>

#include "media/webrtc/fanout.hpp"

namespace airclass::media::webrtc {

class FanoutInput {
 public:
  virtual ~FanoutInput() = default;
  // See Fanout: the room's tracks (again whenever they change), one access unit of one rendition, the end.
  virtual void setRoomTracks(const std::string& room, RoomTracks tracks) = 0;
  virtual void publish(const std::string& room, const std::string& rendition,
                       std::shared_ptr<const RtpFrame> frame) = 0;
  virtual void endRoom(const std::string& room) = 0;
};

}  // namespace airclass::media::webrtc
