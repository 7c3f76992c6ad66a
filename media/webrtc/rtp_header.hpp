// A parsed RTP fixed header (RFC 3550 5.1) with CSRCs, the header extension (RFC 8285) and padding located.
// Bounded view over a received packet; any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace airclass::media::webrtc {

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint16_t extension_profile = 0;            // 0 when there is no extension
  std::span<const uint8_t> extension;        // the extension's data words
  size_t header_size = 0;                    // fixed header + CSRCs + extension
  std::span<const uint8_t> payload;          // without padding

  // nullopt when the version is not 2 or a length (CSRC count, extension, padding) overruns the packet.
  static std::optional<RtpHeader> parse(std::span<const uint8_t> packet);
};

}  // namespace airclass::media::webrtc
