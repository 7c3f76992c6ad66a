#include "media/webrtc/h264_packetizer.hpp"

#include <algorithm>
#include <memory>

#include "common/error.hpp"
#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {
namespace {

constexpr uint8_t kStapA = 24;
constexpr uint8_t kFuA = 28;
constexpr size_t kMaxNalsPerUnit = 1024;

uint8_t nalType(std::span<const uint8_t> nal) { return nal[0] & 0x1F; }

}  // namespace

H264Packetizer::H264Packetizer(const H264PacketizerSettings& settings)
    : settings_(settings), sequence_(settings.first_sequence) {
  if (settings.max_payload < 64 || settings.max_payload > 1400) {
    throw common::Error(common::ErrorCode::Config, "h264 packetizer: max_payload must be 64..1400");
  }
}

void H264Packetizer::setParameterSets(std::vector<std::vector<uint8_t>> sps, std::vector<std::vector<uint8_t>> pps) {
  sps_ = std::move(sps);
  pps_ = std::move(pps);
}

uint32_t H264Packetizer::timestampFor(int64_t pts_ns, uint32_t base) {
  // floor(pts_ns * 90000 / 1e9) without overflow for any realistic timeline.
  int64_t ticks = pts_ns / 100000 * 9;
  const int64_t rest = pts_ns % 100000;
  ticks += (rest * 9 - (rest < 0 ? 99999 : 0)) / 100000;
  return base + static_cast<uint32_t>(static_cast<uint64_t>(ticks));
}

void H264Packetizer::emit(std::span<const uint8_t> head, std::span<const uint8_t> body, uint32_t timestamp) {
  auto packet = std::make_shared<RtpPacket>();
  packet->sequence = sequence_++;
  packet->timestamp = timestamp;
  auto& b = packet->bytes;
  b.reserve(RtpPacket::kHeaderSize + head.size() + body.size());
  b.resize(RtpPacket::kHeaderSize);
  b[0] = 0x80;
  b[1] = settings_.payload_type & 0x7F;
  storeU16(&b[2], packet->sequence);
  storeU32(&b[4], timestamp);
  storeU32(&b[8], settings_.ssrc);
  b.insert(b.end(), head.begin(), head.end());
  b.insert(b.end(), body.begin(), body.end());
  pending_.push_back(std::move(packet));
}

void H264Packetizer::emitNal(std::span<const uint8_t> nal, uint32_t timestamp) {
  if (nal.size() <= settings_.max_payload) {
    emit({}, nal, timestamp);
    return;
  }
  // FU-A (RFC 6184 5.8): the NAL header is replaced by the FU indicator and header. Fragments of one size and a
  // shorter last one: as few packets as max_payload allows, and equal-sized ones leave in one UDP GSO message.
  const auto payload = nal.subspan(1);
  const size_t max_fragment = settings_.max_payload - 2;
  const size_t fewest = (payload.size() + max_fragment - 1) / max_fragment;
  const size_t fragment = (payload.size() + fewest - 1) / fewest;
  const size_t count = (payload.size() + fragment - 1) / fragment;  // == fewest
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t size = std::min(fragment, payload.size() - offset);
    uint8_t head[2];
    head[0] = static_cast<uint8_t>((nal[0] & 0xE0) | kFuA);
    head[1] = static_cast<uint8_t>((i == 0 ? 0x80 : 0) | (i + 1 == count ? 0x40 : 0) | nalType(nal));
    emit(head, payload.subspan(offset, size), timestamp);
    offset += size;
  }
}

void H264Packetizer::emitParameterSets(const std::vector<std::span<const uint8_t>>& sets, uint32_t timestamp) {
  size_t size = 1;
  uint8_t header = 0;
  for (const auto& nal : sets) {
    size += 2 + nal.size();
    header = static_cast<uint8_t>((header & 0x80) | (nal[0] & 0x80) | std::max(header & 0x60, nal[0] & 0x60));
  }
  if (sets.size() < 2 || size > settings_.max_payload) {
    for (const auto& nal : sets) emitNal(nal, timestamp);
    return;
  }
  // STAP-A (RFC 6184 5.7.1): F = OR, NRI = max of the aggregated units.
  std::vector<uint8_t> body;
  body.reserve(size);
  body.push_back(static_cast<uint8_t>(header | kStapA));
  for (const auto& nal : sets) {
    body.push_back(static_cast<uint8_t>(nal.size() >> 8));
    body.push_back(static_cast<uint8_t>(nal.size()));
    body.insert(body.end(), nal.begin(), nal.end());
  }
  emit({}, body, timestamp);
}

bool H264Packetizer::packetize(std::span<const uint8_t> avcc, int64_t pts_ns, bool keyframe,
                               std::vector<SharedRtpPacket>& out) {
  std::vector<std::span<const uint8_t>> parameter_sets;
  std::vector<std::span<const uint8_t>> nals;
  bool in_band_sps = false;
  bool idr = false;
  size_t pos = 0;
  while (pos < avcc.size()) {
    if (avcc.size() - pos < 4) return false;
    const size_t length = loadU32(&avcc[pos]);
    pos += 4;
    if (length == 0 || length > avcc.size() - pos || nals.size() + parameter_sets.size() >= kMaxNalsPerUnit)
      return false;
    const auto nal = avcc.subspan(pos, length);
    pos += length;
    const uint8_t type = nalType(nal);
    if (type == 9 || type == 12) continue;  // access unit delimiter, filler: not sent
    if (type == 7 || type == 8) {
      in_band_sps = in_band_sps || type == 7;
      parameter_sets.push_back(nal);
    } else {
      idr = idr || type == 5;
      nals.push_back(nal);
    }
  }
  if (nals.empty() && parameter_sets.empty()) return false;
  if ((keyframe || idr) && !in_band_sps) {
    std::vector<std::span<const uint8_t>> stored;
    for (const auto& s : sps_) if (!s.empty()) stored.emplace_back(s);
    for (const auto& p : pps_) if (!p.empty()) stored.emplace_back(p);
    stored.insert(stored.end(), parameter_sets.begin(), parameter_sets.end());
    parameter_sets = std::move(stored);
  }
  const uint32_t timestamp = timestampFor(pts_ns, settings_.first_timestamp);
  pending_.clear();
  if (!parameter_sets.empty()) emitParameterSets(parameter_sets, timestamp);
  for (const auto& nal : nals) emitNal(nal, timestamp);
  // The marker bit goes on the unit's last packet, set while the packets are still private.
  pending_.back()->marker = true;
  pending_.back()->bytes[1] |= 0x80;
  out.insert(out.end(), pending_.begin(), pending_.end());
  pending_.clear();
  return true;
}

}  // namespace airclass::media::webrtc
