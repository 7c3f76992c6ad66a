// libFuzzer target: a WHIP PATCH body (application/trickle-ice-sdpfrag, RFC 8840), parsed before anything goes
// to the media loop. Whatever it accepts must be within its bounds and well formed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "media/ingest/trickle_fragment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using airclass::media::ingest::TrickleFragment;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const TrickleFragment f = TrickleFragment::parse(input);
    if (f.ice_ufrag.empty() || f.ice_pwd.empty() || f.media.size() > TrickleFragment::kMaxMedia) __builtin_trap();
    size_t candidates = 0;
    for (const auto& m : f.media) {
      if (m.mid.empty() || m.mid.size() > TrickleFragment::kMaxValue) __builtin_trap();
      for (const auto& c : m.candidates) {
        if (c.rfind("candidate:", 0) != 0 || c.size() > TrickleFragment::kMaxLine) __builtin_trap();
      }
      candidates += m.candidates.size();
    }
    if (candidates > TrickleFragment::kMaxCandidates) __builtin_trap();
  } catch (const airclass::common::Error&) {
    // refused: fine
  }
  return 0;
}
