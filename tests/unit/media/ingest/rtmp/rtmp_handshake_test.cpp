#include <gtest/gtest.h>

#include "media/ingest/rtmp/rtmp_handshake.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(RtmpHandshake, EchoesC1AndHandsOverTrailingBytes) {
  RtmpHandshake h;
  Bytes c0c1(1 + 1536);
  c0c1[0] = 3;
  for (size_t i = 1; i < c0c1.size(); ++i) c0c1[i] = static_cast<uint8_t>(i * 7);
  Bytes out;
  // Split delivery.
  EXPECT_EQ(h.feed(std::span<const uint8_t>(c0c1.data(), 100), out), 100u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(h.feed(std::span<const uint8_t>(c0c1.data() + 100, c0c1.size() - 100), out), c0c1.size() - 100);
  ASSERT_EQ(out.size(), 1u + 2 * 1536);
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(Bytes(out.begin() + 5, out.begin() + 9), (Bytes{0, 0, 0, 0}));  // S1 version zero
  EXPECT_TRUE(std::equal(out.begin() + 1 + 1536, out.end(), c0c1.begin() + 1));  // S2 == C1
  EXPECT_EQ(h.state(), RtmpHandshake::State::WaitC2);

  Bytes c2(1536, 1);
  c2.push_back(0x03);
  c2.push_back(0xAA);  // the first chunk bytes follow C2 at once
  out.clear();
  EXPECT_EQ(h.feed(c2, out), 1536u);
  EXPECT_TRUE(h.done());
  EXPECT_TRUE(out.empty());
}

TEST(RtmpHandshake, RejectsOtherVersions) {
  for (uint8_t v : {uint8_t{0}, uint8_t{6}, uint8_t{'G'}}) {
    RtmpHandshake h;
    Bytes out;
    h.feed(Bytes{v, 1, 2}, out);
    EXPECT_TRUE(h.failed());
    EXPECT_TRUE(out.empty());
  }
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
