// Turns Opus packets (one per encoded frame, as the ladder's opusenc emits them) into RTP packets per RFC 7587:
// one Opus packet per RTP packet, 48 kHz timestamps whatever the input rate, marker on the first packet.
// One per audio track; called on the one thread that feeds it. Packets come out immutable and shareable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/webrtc/rtp_packet.hpp"

namespace airclass::media::webrtc {

struct OpusPacketizerSettings {
  uint32_t ssrc = 0;
  uint8_t payload_type = 111;
  uint16_t first_sequence = 0;
  uint32_t first_timestamp = 0;
};

class OpusPacketizer {
 public:
  // RFC 6716 3.4: an Opus packet is at most 1275 bytes per frame; more than this is not one we made.
  static constexpr size_t kMaxPayload = 1400;

  explicit OpusPacketizer(const OpusPacketizerSettings& settings);

  // One RTP packet carrying `opus`; null (and the sequence number unused) when the packet is empty or over
  // kMaxPayload.
  SharedRtpPacket packetize(std::span<const uint8_t> opus, int64_t pts_ns);

  uint16_t nextSequence() const { return sequence_; }
  static uint32_t timestampFor(int64_t pts_ns, uint32_t base);  // 48 kHz

 private:
  OpusPacketizerSettings settings_;
  uint16_t sequence_;
  bool first_ = true;
};

}  // namespace airclass::media::webrtc
