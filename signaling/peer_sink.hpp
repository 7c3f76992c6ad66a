// Where ClassroomService's output goes: frames and close requests addressed to peers. Implemented by the lws
// adapter (WsServer) and by tests. Called on the lws service thread.
#pragma once
#include <cstdint>
#include <string_view>

#include "signaling/frame.hpp"

namespace airclass::signaling {

using PeerId = uint64_t;

// Websocket close codes the service uses.
enum class CloseCode : uint16_t {
  Normal = 1000,
  GoingAway = 1001,        // server shutdown
  PolicyViolation = 1008,  // auth failure, flood, heartbeat timeout
  TooBig = 1009,
  Internal = 1011,
  Kicked = 4003,           // removed by an admin: no resume
};

class PeerSink {
 public:
  virtual ~PeerSink() = default;
  // Queue a frame for the peer; unknown or closing peers are ignored.
  virtual void send(PeerId peer, const FramePtr& frame) = 0;
  // Close the peer after what is already queued (best effort). The service has already forgotten the peer.
  virtual void close(PeerId peer, CloseCode code, std::string_view reason) = 0;
};

}  // namespace airclass::signaling
