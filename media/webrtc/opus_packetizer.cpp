#include "media/webrtc/opus_packetizer.hpp"

#include <algorithm>
#include <memory>

#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {

OpusPacketizer::OpusPacketizer(const OpusPacketizerSettings& settings)
    : settings_(settings), sequence_(settings.first_sequence) {}

uint32_t OpusPacketizer::timestampFor(int64_t pts_ns, uint32_t base) {
  // floor(pts_ns * 48000 / 1e9) = floor(pts_ns * 6 / 125000), without overflow for any realistic timeline.
  int64_t ticks = pts_ns / 125000 * 6;
  const int64_t rest = pts_ns % 125000;
  ticks += (rest * 6 - (rest < 0 ? 124999 : 0)) / 125000;
  return base + static_cast<uint32_t>(static_cast<uint64_t>(ticks));
}

SharedRtpPacket OpusPacketizer::packetize(std::span<const uint8_t> opus, int64_t pts_ns) {
  if (opus.empty() || opus.size() > kMaxPayload) return nullptr;
  auto packet = std::make_shared<RtpPacket>();
  packet->sequence = sequence_++;
  packet->timestamp = timestampFor(pts_ns, settings_.first_timestamp);
  packet->marker = first_;  // RFC 7587 4.1: the first packet of a talkspurt
  first_ = false;
  auto& b = packet->bytes;
  b.resize(RtpPacket::kHeaderSize + opus.size());
  b[0] = 0x80;
  b[1] = static_cast<uint8_t>((packet->marker ? 0x80 : 0) | (settings_.payload_type & 0x7F));
  storeU16(&b[2], packet->sequence);
  storeU32(&b[4], packet->timestamp);
  storeU32(&b[8], settings_.ssrc);
  std::copy(opus.begin(), opus.end(), b.begin() + RtpPacket::kHeaderSize);
  return packet;
}

}  // namespace airclass::media::webrtc
