// libFuzzer target: the STUN parser, integrity/fingerprint checks and a re-serialization of what parsed.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/webrtc/packet_demux.hpp"
#include "media/webrtc/stun_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using airclass::media::webrtc::StunMessage;
  const std::span<const uint8_t> bytes(data, size);
  (void)airclass::media::webrtc::classifyPacket(bytes);
  auto m = StunMessage::parse(bytes);
  if (!m.ok()) return 0;
  (void)m->verifyIntegrity("VOkJxbRl1RmTxUk/WvJxBt");
  (void)m->verifyFingerprint();
  const auto again = m->serialize("key", true);
  auto reparsed = StunMessage::parse(again);
  if (again.size() <= StunMessage::kMaxSize && (!reparsed.ok() || !reparsed->verifyIntegrity("key") ||
                                                !reparsed->verifyFingerprint())) {
    __builtin_trap();
  }
  return 0;
}
