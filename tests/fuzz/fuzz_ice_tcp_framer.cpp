// libFuzzer target: RFC 4571 framing of the ICE-TCP stream, fed in chunks of varying size; every frame it
// yields is within the bound and non-empty.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/webrtc/ice_tcp_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using airclass::media::webrtc::IceTcpFramer;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  IceTcpFramer framer;
  const std::span<const uint8_t> bytes(data + 1, size - 1);
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    const bool ok = framer.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)), [](std::span<const uint8_t> f) {
      if (f.empty() || f.size() > IceTcpFramer::kMaxFrame) __builtin_trap();
      return f[0] != 0xFF;
    });
    if (!ok) break;
  }
  return 0;
}
