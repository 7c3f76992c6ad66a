#include "media/webrtc/rtcp_compound.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {
namespace {

using Result = codec::ParseResult<RtcpCompound>;

constexpr uint8_t kSr = 200;
constexpr uint8_t kRr = 201;
constexpr uint8_t kRtpfb = 205;
constexpr uint8_t kPsfb = 206;
constexpr size_t kBlockSize = 24;
constexpr size_t kMaxLostPerNack = 1024;

RtcpReportBlock readBlock(const uint8_t* p) {
  RtcpReportBlock b;
  b.ssrc = loadU32(p);
  b.fraction_lost = p[4];
  const uint32_t lost = loadU24(p + 5);
  b.cumulative_lost = (lost & 0x800000U) ? static_cast<int32_t>(lost) - 0x1000000 : static_cast<int32_t>(lost);
  b.highest_sequence = loadU32(p + 8);
  b.jitter = loadU32(p + 12);
  b.last_sr = loadU32(p + 16);
  b.delay_since_last_sr = loadU32(p + 20);
  return b;
}

template <class T>
bool pushBounded(std::vector<T>& items, T item, size_t& dropped) {
  if (items.size() >= RtcpCompound::kMaxItems) {
    ++dropped;
    return false;
  }
  items.push_back(std::move(item));
  return true;
}

}  // namespace

Result RtcpCompound::parse(std::span<const uint8_t> d) {
  if (d.size() > kMaxSize) return Result::failure("rtcp: datagram larger than " + std::to_string(kMaxSize));
  if (d.empty()) return Result::failure("rtcp: empty datagram");
  RtcpCompound c;
  size_t pos = 0;
  while (pos < d.size()) {
    if (d.size() - pos < 4) return Result::failure("rtcp: truncated header");
    const uint8_t* h = &d[pos];
    if ((h[0] >> 6) != 2) return Result::failure("rtcp: version is not 2");
    const uint8_t count = h[0] & 0x1F;
    const uint8_t type = h[1];
    const size_t size = (size_t{loadU16(h + 2)} + 1) * 4;
    if (size > d.size() - pos) return Result::failure("rtcp: length field overruns the datagram");
    size_t body_size = size - 4;
    if (h[0] & 0x20) {
      const size_t padding = h[size - 1];
      if (padding == 0 || padding > body_size) return Result::failure("rtcp: bad padding");
      body_size -= padding;
    }
    const uint8_t* body = h + 4;
    switch (type) {
      case kSr: {
        if (body_size < 24 + kBlockSize * count) return Result::failure("rtcp: SR shorter than its report count");
        RtcpSenderReport sr;
        sr.ssrc = loadU32(body);
        sr.ntp_timestamp = loadU64(body + 4);
        sr.rtp_timestamp = loadU32(body + 12);
        sr.packet_count = loadU32(body + 16);
        sr.octet_count = loadU32(body + 20);
        for (size_t i = 0; i < count; ++i) sr.reports.push_back(readBlock(body + 24 + kBlockSize * i));
        pushBounded(c.sender_reports, std::move(sr), c.dropped);
        break;
      }
      case kRr: {
        if (body_size < 4 + kBlockSize * count) return Result::failure("rtcp: RR shorter than its report count");
        RtcpReceiverReport rr;
        rr.ssrc = loadU32(body);
        for (size_t i = 0; i < count; ++i) rr.reports.push_back(readBlock(body + 4 + kBlockSize * i));
        pushBounded(c.receiver_reports, std::move(rr), c.dropped);
        break;
      }
      case kRtpfb: {
        if (body_size < 8) return Result::failure("rtcp: RTPFB shorter than its SSRCs");
        const uint32_t sender = loadU32(body);
        const uint32_t media = loadU32(body + 4);
        if (count == 1) {  // generic NACK
          if ((body_size - 8) % 4 != 0 || body_size == 8) return Result::failure("rtcp: bad NACK length");
          RtcpNack nack{sender, media, {}};
          for (size_t at = 8; at < body_size && nack.lost.size() < kMaxLostPerNack; at += 4) {
            const uint16_t pid = loadU16(body + at);
            const uint16_t blp = loadU16(body + at + 2);
            nack.lost.push_back(pid);
            for (int bit = 0; bit < 16; ++bit) {
              if (blp & (1U << bit)) nack.lost.push_back(static_cast<uint16_t>(pid + bit + 1));
            }
          }
          pushBounded(c.nacks, std::move(nack), c.dropped);
        } else if (count == 15) {  // transport-wide cc
          if (body_size < 16) return Result::failure("rtcp: transport-cc feedback too short");
          RtcpTransportFeedback fb;
          fb.sender_ssrc = sender;
          fb.media_ssrc = media;
          fb.base_sequence = loadU16(body + 8);
          fb.status_count = loadU16(body + 10);
          const uint32_t ref = loadU24(body + 12);
          fb.reference_time = (ref & 0x800000U) ? static_cast<int32_t>(ref) - 0x1000000 : static_cast<int32_t>(ref);
          fb.feedback_count = body[15];
          pushBounded(c.transport_feedback, fb, c.dropped);
        } else {
          ++c.other_packets;
        }
        break;
      }
      case kPsfb: {
        if (body_size < 8) return Result::failure("rtcp: PSFB shorter than its SSRCs");
        const uint32_t sender = loadU32(body);
        const uint32_t media = loadU32(body + 4);
        if (count == 1) {
          pushBounded(c.plis, RtcpPli{sender, media}, c.dropped);
        } else if (count == 4) {
          if ((body_size - 8) % 8 != 0 || body_size == 8) return Result::failure("rtcp: bad FIR length");
          RtcpFir fir;
          fir.sender_ssrc = sender;
          for (size_t at = 8; at < body_size && fir.entries.size() < kMaxItems; at += 8) {
            fir.entries.push_back({loadU32(body + at), body[at + 4]});
          }
          pushBounded(c.firs, std::move(fir), c.dropped);
        } else if (count == 15 && body_size >= 16 && loadU32(body + 8) == 0x52454D42) {  // "REMB"
          const size_t ssrc_count = body[12];
          if (body_size < 16 + 4 * ssrc_count) return Result::failure("rtcp: REMB shorter than its SSRC list");
          RtcpRemb remb;
          remb.sender_ssrc = sender;
          const unsigned exponent = body[13] >> 2;
          const uint64_t mantissa = ((uint64_t{body[13]} & 0x03U) << 16) | loadU16(body + 14);
          remb.bitrate_bps = (exponent > 46 && mantissa != 0) ? std::numeric_limits<uint64_t>::max()
                                                               : mantissa << exponent;
          for (size_t i = 0; i < ssrc_count; ++i) remb.ssrcs.push_back(loadU32(body + 16 + 4 * i));
          pushBounded(c.rembs, std::move(remb), c.dropped);
        } else {
          ++c.other_packets;
        }
        break;
      }
      default:
        ++c.other_packets;
        break;
    }
    pos += size;
  }
  return Result::success(std::move(c));
}

void RtcpCompound::appendSenderReport(const RtcpSenderReport& report, std::vector<uint8_t>& out) {
  const size_t blocks = std::min<size_t>(report.reports.size(), 31);
  const size_t at = out.size();
  const size_t size = 4 + 24 + kBlockSize * blocks;
  out.resize(at + size);
  uint8_t* p = &out[at];
  p[0] = static_cast<uint8_t>(0x80 | blocks);
  p[1] = kSr;
  storeU16(p + 2, static_cast<uint16_t>(size / 4 - 1));
  storeU32(p + 4, report.ssrc);
  storeU64(p + 8, report.ntp_timestamp);
  storeU32(p + 16, report.rtp_timestamp);
  storeU32(p + 20, report.packet_count);
  storeU32(p + 24, report.octet_count);
  for (size_t i = 0; i < blocks; ++i) {
    const auto& b = report.reports[i];
    uint8_t* q = p + 28 + kBlockSize * i;
    storeU32(q, b.ssrc);
    q[4] = b.fraction_lost;
    const auto lost = static_cast<uint32_t>(b.cumulative_lost) & 0xFFFFFFU;
    q[5] = static_cast<uint8_t>(lost >> 16);
    q[6] = static_cast<uint8_t>(lost >> 8);
    q[7] = static_cast<uint8_t>(lost);
    storeU32(q + 8, b.highest_sequence);
    storeU32(q + 12, b.jitter);
    storeU32(q + 16, b.last_sr);
    storeU32(q + 20, b.delay_since_last_sr);
  }
}

}  // namespace airclass::media::webrtc
