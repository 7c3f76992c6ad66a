#include "media/codec/aac_config.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace airclass::media::codec {
namespace {

// Real AudioSpecificConfigs from Debian 12 ffmpeg's native AAC encoder, taken from FLV AAC sequence headers:
//   ffmpeg -f lavfi -i sine=sample_rate=R -t 0.2 -c:a aac -ac C -f flv out.flv
// They carry the backward-compatible SBR sync extension (0x2b7) after the core fields.
TEST(AacConfig, ParsesRealEncoderConfigs) {
  struct Case {
    std::vector<uint8_t> asc;
    int rate;
    int index;
    int channels;
  };
  const Case cases[] = {
      {{0x12, 0x08, 0x56, 0xe5, 0x00}, 44100, 4, 1},
      {{0x11, 0x90, 0x56, 0xe5, 0x00}, 48000, 3, 2},
      {{0x13, 0x90, 0x56, 0xe5, 0x00}, 22050, 7, 2},
      {{0x11, 0x90}, 48000, 3, 2},  // the plain two-byte form
  };
  for (const auto& c : cases) {
    auto config = parseAudioSpecificConfig(c.asc);
    ASSERT_TRUE(config.ok()) << config.error();
    EXPECT_EQ(config->object_type, 2);
    EXPECT_EQ(config->sample_rate, c.rate);
    EXPECT_EQ(config->sample_rate_index, c.index);
    EXPECT_EQ(config->channels, c.channels);
    EXPECT_EQ(config->codecs, "mp4a.40.2");
  }
}

TEST(AacConfig, ExplicitSampleRate) {
  // aot 2 (00010), index 15 (1111), rate 50000 (24 bits 0x00c350), channels 2 (0010), padding.
  // 00010 1111 000000001100001101010000 0010 000
  const std::vector<uint8_t> asc = {0x17, 0x80, 0x61, 0xa8, 0x10};
  auto config = parseAudioSpecificConfig(asc);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->sample_rate_index, 15);
  EXPECT_EQ(config->sample_rate, 50000);
  EXPECT_EQ(config->channels, 2);
}

TEST(AacConfig, HeAacExplicitSignalling) {
  // aot 5 (00101), index 6 = 24000 (0110), channels 2 (0010), ext index 3 = 48000 (0011), core aot 2 (00010)
  // 00101 0110 0010 0011 00010 -> 0010 1011 0001 0001 1000 10(00)
  const std::vector<uint8_t> asc = {0x2b, 0x11, 0x88};
  auto config = parseAudioSpecificConfig(asc);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->object_type, 5);
  EXPECT_EQ(config->sample_rate, 48000);
  EXPECT_EQ(config->codecs, "mp4a.40.5");
}

TEST(AacConfig, EightChannels) {
  // aot 2, index 3, channel configuration 7 (7.1 = 8 channels): 00010 0011 0111 000
  const std::vector<uint8_t> asc = {0x11, 0xb8};
  auto config = parseAudioSpecificConfig(asc);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->channels, 8);
}

TEST(AacConfig, RejectsBadInput) {
  EXPECT_EQ(parseAudioSpecificConfig(std::vector<uint8_t>{}).error(), "asc: too short");
  EXPECT_EQ(parseAudioSpecificConfig(std::vector<uint8_t>{0x12}).error(), "asc: too short");
  // reserved sampling frequency index 13
  EXPECT_EQ(parseAudioSpecificConfig(std::vector<uint8_t>{0x16, 0x88}).error(), "asc: bad sample rate");
  // channel configuration 0 (program config element)
  EXPECT_EQ(parseAudioSpecificConfig(std::vector<uint8_t>{0x11, 0x80}).error(),
            "asc: unsupported channel configuration");
  // explicit rate cut short
  EXPECT_EQ(parseAudioSpecificConfig(std::vector<uint8_t>{0x17, 0x80}).error(), "asc: truncated");
  // object type 0
  EXPECT_FALSE(parseAudioSpecificConfig(std::vector<uint8_t>{0x01, 0x90}).ok());
}

}  // namespace
}  // namespace airclass::media::codec
