#include "media/webrtc/rtcp_compound.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace airclass::media::webrtc {
namespace {

using Bytes = std::vector<uint8_t>;

void u32(Bytes& b, uint32_t v) { b.insert(b.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}); }

// A compound as Chromium sends it for a recvonly viewer: RR + SDES, then PLI, NACK, FIR, REMB, transport-cc.
Bytes viewerCompound() {
  Bytes b = {0x81, 201, 0x00, 0x07};  // RR, 1 block, 32 bytes
  u32(b, 0x00000001);                  // sender (viewer) SSRC
  u32(b, 0xCAFEBABE);                  // block: media SSRC
  b.insert(b.end(), {0x19, 0xFF, 0xFF, 0xFE});  // fraction 25/256, cumulative lost -2
  u32(b, 0x0001FFF0);                  // extended highest sequence
  u32(b, 42);                          // jitter
  u32(b, 0x12345678);                  // LSR
  u32(b, 0x00010000);                  // DLSR
  b.insert(b.end(), {0x81, 202, 0x00, 0x03});  // SDES, 1 chunk
  u32(b, 0x00000001);
  b.insert(b.end(), {1, 2, 'a', 'b', 0, 0, 0, 0});
  b.insert(b.end(), {0x81, 206, 0x00, 0x02});  // PLI
  u32(b, 1);
  u32(b, 0xCAFEBABE);
  b.insert(b.end(), {0x81, 205, 0x00, 0x04});  // NACK with two FCIs
  u32(b, 1);
  u32(b, 0xCAFEBABE);
  b.insert(b.end(), {0x00, 0x64, 0x00, 0x05});  // 100, plus 101 and 103
  b.insert(b.end(), {0xFF, 0xFF, 0x80, 0x00});  // 65535, plus 65535+16 = 15 (wraps)
  b.insert(b.end(), {0x84, 206, 0x00, 0x04});  // FIR, one entry
  u32(b, 1);
  u32(b, 0);
  u32(b, 0xCAFEBABE);
  b.insert(b.end(), {7, 0, 0, 0});
  b.insert(b.end(), {0x8F, 206, 0x00, 0x05});  // REMB 1 SSRC
  u32(b, 1);
  u32(b, 0);
  b.insert(b.end(), {'R', 'E', 'M', 'B', 1, (3 << 2) | 0x01, 0x86, 0xA0});  // mantissa 0x186A0 = 100000, exp 3
  u32(b, 0xCAFEBABE);
  b.insert(b.end(), {0x8F, 205, 0x00, 0x05});  // transport-cc feedback
  u32(b, 1);
  u32(b, 0xCAFEBABE);
  b.insert(b.end(), {0x01, 0x00, 0x00, 0x02, 0xFF, 0xFF, 0xFE, 0x09});  // base 256, count 2, ref -2, fb 9
  b.insert(b.end(), {0x20, 0x02, 0x00, 0x00});                          // a status chunk (not decoded)
  return b;
}

TEST(RtcpCompound, ParsesAViewersFeedback) {
  auto c = RtcpCompound::parse(viewerCompound());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->receiver_reports.size(), 1U);
  const auto& block = c->receiver_reports[0].reports.at(0);
  EXPECT_EQ(block.ssrc, 0xCAFEBABEU);
  EXPECT_EQ(block.fraction_lost, 0x19);
  EXPECT_EQ(block.cumulative_lost, -2);
  EXPECT_EQ(block.highest_sequence, 0x0001FFF0U);
  EXPECT_EQ(block.last_sr, 0x12345678U);
  ASSERT_EQ(c->plis.size(), 1U);
  EXPECT_EQ(c->plis[0].media_ssrc, 0xCAFEBABEU);
  ASSERT_EQ(c->nacks.size(), 1U);
  EXPECT_EQ(c->nacks[0].lost, (std::vector<uint16_t>{100, 101, 103, 65535, 15}));
  ASSERT_EQ(c->firs.size(), 1U);
  EXPECT_EQ(c->firs[0].entries.at(0).ssrc, 0xCAFEBABEU);
  EXPECT_EQ(c->firs[0].entries.at(0).sequence, 7);
  ASSERT_EQ(c->rembs.size(), 1U);
  EXPECT_EQ(c->rembs[0].bitrate_bps, 800000U);
  EXPECT_EQ(c->rembs[0].ssrcs, std::vector<uint32_t>{0xCAFEBABE});
  ASSERT_EQ(c->transport_feedback.size(), 1U);
  EXPECT_EQ(c->transport_feedback[0].base_sequence, 256);
  EXPECT_EQ(c->transport_feedback[0].status_count, 2);
  EXPECT_EQ(c->transport_feedback[0].reference_time, -2);
  EXPECT_EQ(c->transport_feedback[0].feedback_count, 9);
  EXPECT_EQ(c->other_packets, 1U);  // the SDES
}

TEST(RtcpCompound, SenderReportRoundTrip) {
  RtcpSenderReport sr;
  sr.ssrc = 0xCAFEBABE;
  sr.ntp_timestamp = 0xE8C1234587654321ULL;
  sr.rtp_timestamp = 90000;
  sr.packet_count = 1000;
  sr.octet_count = 1'000'000;
  sr.reports.push_back(RtcpReportBlock{7, 1, -5, 2, 3, 4, 5});
  Bytes out;
  RtcpCompound::appendSenderReport(sr, out);
  EXPECT_EQ(out.size(), 28U + 24U);
  EXPECT_EQ(out[0], 0x81);
  EXPECT_EQ(out[3], 12);  // 13 words - 1
  auto c = RtcpCompound::parse(out);
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->sender_reports.size(), 1U);
  EXPECT_EQ(c->sender_reports[0], sr);
}

TEST(RtcpCompound, RejectsLyingLengthsWithoutOverread) {
  const Bytes good = viewerCompound();
  // Every truncation that cuts a packet short is rejected (the heap copy lets ASan catch any overread).
  for (size_t n = 1; n < good.size(); ++n) {
    const Bytes cut(good.begin(), good.begin() + static_cast<long>(n));
    auto c = RtcpCompound::parse(cut);
    if (c.ok()) {
      EXPECT_TRUE(n == 32 || n == 48 || n == 60 || n == 80 || n == 100 || n == 124) << n;  // packet boundaries
    }
  }
  Bytes lying = good;
  lying[3] = 0x40;  // RR claims 260 bytes
  EXPECT_FALSE(RtcpCompound::parse(lying).ok());
  Bytes bad_count = {0x9F, 201, 0x00, 0x01, 0, 0, 0, 1};  // RR with 31 blocks in 8 bytes
  EXPECT_FALSE(RtcpCompound::parse(bad_count).ok());
  Bytes bad_version = good;
  bad_version[0] = 0x41;
  EXPECT_FALSE(RtcpCompound::parse(bad_version).ok());
  Bytes bad_padding = {0xA0, 203, 0x00, 0x01, 0, 0, 0, 9};  // BYE, padding 9 > body
  EXPECT_FALSE(RtcpCompound::parse(bad_padding).ok());
  Bytes remb_lies = {0x8F, 206, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 5, 0, 0, 1};
  EXPECT_FALSE(RtcpCompound::parse(remb_lies).ok());
  EXPECT_FALSE(RtcpCompound::parse({}).ok());
  EXPECT_FALSE(RtcpCompound::parse(Bytes(RtcpCompound::kMaxSize + 4, 0x80)).ok());
}

TEST(RtcpCompound, SurvivesGarbage) {
  std::mt19937 rng(7);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b(4 + rng() % 64);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = static_cast<uint8_t>(0x80 | (b[0] & 0x3F));
    b[2] = 0;
    b[3] = static_cast<uint8_t>(b[3] % 20);
    accepted += RtcpCompound::parse(b).ok() ? 1 : 0;
  }
  EXPECT_GT(accepted, 0U);
}

TEST(RtcpCompound, BoundsItemCounts) {
  Bytes b;
  for (size_t i = 0; i < RtcpCompound::kMaxItems + 10; ++i) {
    b.insert(b.end(), {0x81, 206, 0x00, 0x02});
    u32(b, 1);
    u32(b, 2);
  }
  auto c = RtcpCompound::parse(b);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->plis.size(), RtcpCompound::kMaxItems);
  EXPECT_EQ(c->dropped, 10U);
}

}  // namespace
}  // namespace airclass::media::webrtc
