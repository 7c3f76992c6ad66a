// Turns H.264 access units (AVCC, 4-byte lengths, as media/encoded_frame.hpp carries them) into RTP packets
// per RFC 6184: single NAL units, STAP-A for SPS+PPS before keyframes, FU-A above the payload size; marker on
// the last packet of each access unit; 90 kHz timestamps. One per rendition track; called on the one thread
// that feeds that rendition. Packets come out immutable and shareable (see rtp_packet.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/webrtc/rtp_packet.hpp"

namespace airclass::media::webrtc {

struct H264PacketizerSettings {
  uint32_t ssrc = 0;
  uint8_t payload_type = 102;
  size_t max_payload = 1200;  // RTP payload bytes per packet (before SRTP's tag); 64..1400
  uint16_t first_sequence = 0;
  uint32_t first_timestamp = 0;
};

class H264Packetizer {
 public:
  // Throws common::Error(Config) when max_payload is out of range.
  explicit H264Packetizer(const H264PacketizerSettings& settings);

  // Parameter sets (NAL units with their header byte, e.g. from the avcC) sent before each keyframe that does
  // not carry its own.
  void setParameterSets(std::vector<std::vector<uint8_t>> sps, std::vector<std::vector<uint8_t>> pps);

  // Appends the packets of one access unit to `out`. Returns false and appends nothing when the AVCC framing
  // is malformed (a zero or overrunning length) or the unit holds no NAL to send.
  bool packetize(std::span<const uint8_t> avcc, int64_t pts_ns, bool keyframe, std::vector<SharedRtpPacket>& out);

  uint16_t nextSequence() const { return sequence_; }
  static uint32_t timestampFor(int64_t pts_ns, uint32_t base);  // 90 kHz

 private:
  void emit(std::span<const uint8_t> head, std::span<const uint8_t> body, uint32_t timestamp);
  void emitNal(std::span<const uint8_t> nal, uint32_t timestamp);
  void emitParameterSets(const std::vector<std::span<const uint8_t>>& sets, uint32_t timestamp);

  H264PacketizerSettings settings_;
  uint16_t sequence_;
  std::vector<std::vector<uint8_t>> sps_;
  std::vector<std::vector<uint8_t>> pps_;
  std::vector<std::shared_ptr<RtpPacket>> pending_;  // the unit being built, still mutable
};

}  // namespace airclass::media::webrtc
