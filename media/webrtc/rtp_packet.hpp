// One outgoing RTP packet (RFC 3550), built once per rendition and shared by every viewer's send path.
// Immutable once built (held as shared_ptr<const RtpPacket>): any thread may read it.
//
// Fan-out decision: each rendition's track has ONE SSRC, sequence space and timestamp base, shared by all of its
// viewers, so the 12-byte header is final and only the SRTP protection differs per viewer (each viewer's
// SrtpContext copies the packet into its own send buffer while protecting it, and keeps its own ROC from the
// viewer's first packet). Should a viewer ever need different header fields (switching renditions without
// renegotiation, a transport-wide-cc sequence extension), they are written into that per-viewer copy, never
// into this shared buffer, so no headroom is reserved here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace airclass::media::webrtc {

struct RtpPacket {
  static constexpr size_t kHeaderSize = 12;  // no CSRCs, no extension, no padding

  std::vector<uint8_t> bytes;  // header + payload, ready for SRTP
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  bool marker = false;

  std::span<const uint8_t> payload() const { return std::span(bytes).subspan(kHeaderSize); }
};

using SharedRtpPacket = std::shared_ptr<const RtpPacket>;

}  // namespace airclass::media::webrtc
