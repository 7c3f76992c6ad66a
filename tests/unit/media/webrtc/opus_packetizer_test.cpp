#include "media/webrtc/opus_packetizer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "media/webrtc/rtp_header.hpp"

namespace airclass::media::webrtc {
namespace {

TEST(OpusPacketizer, OnePacketPerOpusPacketWith48kHzTimestamps) {
  OpusPacketizer p({.ssrc = 0x11223344, .payload_type = 111, .first_sequence = 65535, .first_timestamp = 1000});
  const std::vector<uint8_t> opus{0xFC, 0x01, 0x02, 0x03};
  std::vector<SharedRtpPacket> out;
  for (int i = 0; i < 3; ++i) out.push_back(p.packetize(opus, 5'000'000'000 + i * 20'000'000));
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_TRUE(out[i]);
    auto h = RtpHeader::parse(out[i]->bytes);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->ssrc, 0x11223344u);
    EXPECT_EQ(h->payload_type, 111);
    EXPECT_EQ(h->sequence, static_cast<uint16_t>(65535 + i));  // wraps
    EXPECT_EQ(h->sequence, out[i]->sequence);
    EXPECT_EQ(h->timestamp, 1000u + 240000u + 960u * i);      // 5 s at 48 kHz, then 20 ms steps
    EXPECT_EQ(h->timestamp, out[i]->timestamp);
    EXPECT_EQ(h->marker, i == 0);                              // first packet of the talkspurt
    EXPECT_EQ(h->marker, out[i]->marker);
    EXPECT_EQ(std::vector<uint8_t>(h->payload.begin(), h->payload.end()), opus);
  }
  EXPECT_EQ(p.nextSequence(), 2);
}

TEST(OpusPacketizer, RefusesEmptyAndOversizedPackets) {
  OpusPacketizer p({});
  EXPECT_FALSE(p.packetize({}, 0));
  const std::vector<uint8_t> big(OpusPacketizer::kMaxPayload + 1, 0x78);
  EXPECT_FALSE(p.packetize(big, 0));
  EXPECT_EQ(p.nextSequence(), 0);
  const std::vector<uint8_t> max(OpusPacketizer::kMaxPayload, 0x78);
  EXPECT_TRUE(p.packetize(max, 0));
}

TEST(OpusPacketizer, TimestampsRoundDownAndWrap) {
  EXPECT_EQ(OpusPacketizer::timestampFor(0, 7), 7u);
  EXPECT_EQ(OpusPacketizer::timestampFor(20'833, 0), 0u);  // 0.99 of a tick
  EXPECT_EQ(OpusPacketizer::timestampFor(20'834, 0), 1u);
  EXPECT_EQ(OpusPacketizer::timestampFor(-20'833, 0), 0xFFFFFFFFu);  // floor, not truncation
  EXPECT_EQ(OpusPacketizer::timestampFor(1'000'000'000, 0xFFFFFFFFu), 47999u);
}

}  // namespace
}  // namespace airclass::media::webrtc
