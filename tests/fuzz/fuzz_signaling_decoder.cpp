// libFuzzer target for the signaling message decoder (untrusted websocket text) and the encoders it feeds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signaling/protocol_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace airclass::signaling::protocol;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  DecodeResult r = decodeClient(text, 16 * 1024);
  if (auto* m = std::get_if<ClientMessage>(&r)) {
    // A decoded message re-encodes and decodes to the same type.
    std::string again = encodeClient(*m);
    DecodeResult r2 = decodeClient(again, 1 << 20);
    if (!std::holds_alternative<ClientMessage>(r2)) __builtin_trap();
    if (typeName(std::get<ClientMessage>(r2).body) != typeName(m->body)) __builtin_trap();
  } else {
    const auto& e = std::get<DecodeError>(r);
    (void)encodeServer(ServerMessage{e.id, ErrorReply{e.code, e.message}});
  }
  return 0;
}
