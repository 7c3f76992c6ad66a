// AAC decoder configuration: parses an AudioSpecificConfig (ISO 14496-3 1.6.2.1) into the object type,
// sample rate and channel count, and gives the RFC 6381 codecs string. Bounded; any thread.
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "media/codec/parse_result.hpp"

namespace airclass::media::codec {

struct AacConfig {
  int object_type = 0;         // audioObjectType as signalled first (2 = AAC-LC, 5 = SBR, 29 = PS)
  int sample_rate_index = 0;   // 0..12, or 15 when the rate is explicit
  int sample_rate = 0;         // Hz; for explicit SBR/PS signalling the output (extension) rate
  int channel_config = 0;      // channelConfiguration, 1..14
  int channels = 0;
  std::string codecs;          // "mp4a.40.<aot>"
};

ParseResult<AacConfig> parseAudioSpecificConfig(std::span<const uint8_t> asc);

}  // namespace airclass::media::codec
