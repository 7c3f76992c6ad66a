// libFuzzer target: the avcC / SPS parser and the AudioSpecificConfig parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/codec/aac_config.hpp"
#include "media/codec/h264_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto avcc = airclass::media::codec::parseAvcDecoderConfig(bytes);
  if (avcc.ok() && (avcc->sps.width <= 0 || avcc->sps.height <= 0)) __builtin_trap();
  if (size > 0) {
    auto sps = airclass::media::codec::parseH264Sps(bytes.subspan(1));
    (void)sps;
  }
  auto asc = airclass::media::codec::parseAudioSpecificConfig(bytes);
  if (asc.ok() && asc->channels <= 0) __builtin_trap();
  return 0;
}
