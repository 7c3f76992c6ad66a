#include "media/webrtc/rtp_header.hpp"

#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {

std::optional<RtpHeader> RtpHeader::parse(std::span<const uint8_t> p) {
  if (p.size() < 12 || (p[0] >> 6) != 2) return std::nullopt;
  RtpHeader h;
  h.marker = (p[1] & 0x80) != 0;
  h.payload_type = p[1] & 0x7F;
  h.sequence = loadU16(&p[2]);
  h.timestamp = loadU32(&p[4]);
  h.ssrc = loadU32(&p[8]);
  size_t size = 12 + 4 * size_t{p[0] & 0x0FU};
  if (size > p.size()) return std::nullopt;
  if (p[0] & 0x10) {
    if (p.size() - size < 4) return std::nullopt;
    h.extension_profile = loadU16(&p[size]);
    const size_t words = loadU16(&p[size + 2]);
    if (p.size() - size - 4 < 4 * words) return std::nullopt;
    h.extension = p.subspan(size + 4, 4 * words);
    size += 4 + 4 * words;
  }
  size_t end = p.size();
  if (p[0] & 0x20) {
    const size_t padding = p[p.size() - 1];
    if (padding == 0 || padding > end - size) return std::nullopt;
    end -= padding;
  }
  h.header_size = size;
  h.payload = p.subspan(size, end - size);
  return h;
}

}  // namespace airclass::media::webrtc
