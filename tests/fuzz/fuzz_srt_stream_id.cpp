// libFuzzer target: the SRT stream id parser (untrusted bytes from the SRT handshake).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "media/ingest/srt_stream_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto id = airclass::media::ingest::SrtStreamId::parse(text);
    // What parse accepts must satisfy the documented invariants.
    if (!airclass::media::ingest::SrtStreamId::isValidRoom(id.room) || id.token.empty() ||
        size > airclass::media::ingest::SrtStreamId::kMaxBytes) {
      __builtin_trap();
    }
  } catch (const airclass::common::Error&) {
    // refused with a clear error: expected for most inputs
  }
  return 0;
}
