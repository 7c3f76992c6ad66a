#include "media/codec/aac_config.hpp"

#include <array>

#include "media/codec/bit_reader.hpp"

namespace airclass::media::codec {
namespace {

constexpr std::array<int, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                              22050, 16000, 12000, 11025, 8000,  7350};
// channelConfiguration -> channel count (ISO 14496-3 table 1.19); 0 means "in a PCE", not supported.
constexpr std::array<int, 15> kChannels = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8};

int readObjectType(BitReader& br) {
  int aot = static_cast<int>(br.bits(5));
  if (aot == 31) aot = 32 + static_cast<int>(br.bits(6));
  return aot;
}

// Returns 0 when the index is reserved.
int readSampleRate(BitReader& br, int& index) {
  index = static_cast<int>(br.bits(4));
  if (index == 15) return static_cast<int>(br.bits(24));
  if (index < static_cast<int>(kSampleRates.size())) return kSampleRates[static_cast<size_t>(index)];
  return 0;
}

}  // namespace

ParseResult<AacConfig> parseAudioSpecificConfig(std::span<const uint8_t> asc) {
  using Result = ParseResult<AacConfig>;
  if (asc.size() < 2) return Result::failure("asc: too short");
  BitReader br(asc);
  AacConfig config;
  config.object_type = readObjectType(br);
  config.sample_rate = readSampleRate(br, config.sample_rate_index);
  config.channel_config = static_cast<int>(br.bits(4));
  if (config.object_type == 5 || config.object_type == 29) {  // explicit SBR / PS: the output rate follows
    int ext_index = 0;
    const int ext_rate = readSampleRate(br, ext_index);
    if (ext_rate == 0) return Result::failure("asc: bad extension sampling frequency");
    config.sample_rate = ext_rate;
    readObjectType(br);  // the underlying core object type
  }
  if (br.failed()) return Result::failure("asc: truncated");
  if (config.object_type == 0) return Result::failure("asc: null object type");
  if (config.sample_rate <= 0 || config.sample_rate > 192000) return Result::failure("asc: bad sample rate");
  if (config.channel_config <= 0 || config.channel_config >= static_cast<int>(kChannels.size()) ||
      kChannels[static_cast<size_t>(config.channel_config)] == 0) {
    return Result::failure("asc: unsupported channel configuration");
  }
  config.channels = kChannels[static_cast<size_t>(config.channel_config)];
  config.codecs = "mp4a.40." + std::to_string(config.object_type);
  return Result::success(std::move(config));
}

}  // namespace airclass::media::codec
