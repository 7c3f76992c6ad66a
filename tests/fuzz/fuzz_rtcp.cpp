// libFuzzer target: the compound RTCP parser, and RTP header parsing of the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/webrtc/rtcp_compound.hpp"
#include "media/webrtc/rtp_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto c = airclass::media::webrtc::RtcpCompound::parse(bytes);
  if (c.ok()) {
    for (const auto& nack : c->nacks) {
      if (nack.lost.empty()) __builtin_trap();
    }
  }
  auto h = airclass::media::webrtc::RtpHeader::parse(bytes);
  if (h && h->header_size + h->payload.size() > size) __builtin_trap();
  return 0;
}
