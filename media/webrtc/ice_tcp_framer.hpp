// Splits an ICE-TCP byte stream into packets by RFC 4571 framing (a 2-byte big-endian length before each
// STUN/DTLS/RTP/RTCP packet), with a bound on the frame size. Untrusted input. One connection, one thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace airclass::media::webrtc {

class IceTcpFramer {
 public:
  static constexpr size_t kMaxFrame = 2048;  // like the largest UDP datagram the fan-out reads

  // Returns false when the frame is to stop the stream (the connection is then closed).
  using FrameHandler = std::function<bool(std::span<const uint8_t> frame)>;

  // Feeds bytes as read; calls `on_frame` for every complete frame. False when a frame was empty or longer
  // than kMaxFrame, or the handler said stop: the stream cannot go on.
  bool feed(std::span<const uint8_t> bytes, const FrameHandler& on_frame);

 private:
  std::vector<uint8_t> frame_;  // the frame being assembled (after its length)
  uint8_t header_[2] = {0, 0};
  size_t header_bytes_ = 0;
  size_t expected_ = 0;
};

}  // namespace airclass::media::webrtc
