// A compound RTCP packet (RFC 3550 6) as a viewer sends it: SR/RR report blocks, generic NACK and PLI
// (RFC 4585), FIR (RFC 5104), REMB (draft-alvestrand-rmcat-remb) and the transport-wide-cc feedback header.
// Bounded: every length field is checked against the buffer before use. Also writes our Sender Reports.
// I/O-free; any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/codec/parse_result.hpp"

namespace airclass::media::webrtc {

struct RtcpReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;
  int32_t cumulative_lost = 0;  // 24-bit signed
  uint32_t highest_sequence = 0;
  uint32_t jitter = 0;
  uint32_t last_sr = 0;
  uint32_t delay_since_last_sr = 0;
  bool operator==(const RtcpReportBlock&) const = default;
};

struct RtcpSenderReport {
  uint32_t ssrc = 0;
  uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  std::vector<RtcpReportBlock> reports;
  bool operator==(const RtcpSenderReport&) const = default;
};

struct RtcpReceiverReport {
  uint32_t ssrc = 0;
  std::vector<RtcpReportBlock> reports;
};

struct RtcpNack {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  std::vector<uint16_t> lost;  // PID + BLP expanded, in packet order
};

struct RtcpPli {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
};

struct RtcpFir {
  struct Entry {
    uint32_t ssrc = 0;
    uint8_t sequence = 0;
  };
  uint32_t sender_ssrc = 0;
  std::vector<Entry> entries;
};

struct RtcpRemb {
  uint32_t sender_ssrc = 0;
  uint64_t bitrate_bps = 0;  // saturates at UINT64_MAX for absurd exponents
  std::vector<uint32_t> ssrcs;
};

// Only the header of transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
// extensions-01 3.1); the packet status chunks are left for a congestion controller to decode.
struct RtcpTransportFeedback {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  uint16_t base_sequence = 0;
  uint16_t status_count = 0;
  int32_t reference_time = 0;  // 24-bit signed, multiples of 64 ms
  uint8_t feedback_count = 0;
};

class RtcpCompound {
 public:
  static constexpr size_t kMaxSize = 1500;
  static constexpr size_t kMaxItems = 64;  // per kind; more are counted in `dropped` and ignored

  // Parses every packet of a compound (or reduced-size, RFC 5506) RTCP datagram, already SRTCP-unprotected.
  // Fails as a whole when any packet's framing is wrong; unknown packet types are skipped and counted.
  static codec::ParseResult<RtcpCompound> parse(std::span<const uint8_t> datagram);

  // Appends a Sender Report (RFC 3550 6.4.1), at most 31 report blocks.
  static void appendSenderReport(const RtcpSenderReport& report, std::vector<uint8_t>& out);

  std::vector<RtcpSenderReport> sender_reports;
  std::vector<RtcpReceiverReport> receiver_reports;
  std::vector<RtcpNack> nacks;
  std::vector<RtcpPli> plis;
  std::vector<RtcpFir> firs;
  std::vector<RtcpRemb> rembs;
  std::vector<RtcpTransportFeedback> transport_feedback;
  size_t other_packets = 0;  // SDES, BYE, APP, XR and unknown types
  size_t dropped = 0;
};

}  // namespace airclass::media::webrtc
