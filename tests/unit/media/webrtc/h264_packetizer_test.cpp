#include "media/webrtc/h264_packetizer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "common/error.hpp"
#include "media/webrtc/rtp_header.hpp"

namespace airclass::media::webrtc {
namespace {

using Nal = std::vector<uint8_t>;

Nal makeNal(uint8_t header, size_t size) {
  Nal nal{header};
  for (size_t i = 1; i < size; ++i) nal.push_back(static_cast<uint8_t>(i * 31 + header));
  return nal;
}

std::vector<uint8_t> avcc(const std::vector<Nal>& nals) {
  std::vector<uint8_t> out;
  for (const auto& n : nals) {
    const auto s = static_cast<uint32_t>(n.size());
    out.insert(out.end(), {static_cast<uint8_t>(s >> 24), static_cast<uint8_t>(s >> 16), static_cast<uint8_t>(s >> 8),
                           static_cast<uint8_t>(s)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

// A reference depacketizer (RFC 6184): single NAL, STAP-A, FU-A. Fails the test on anything malformed.
std::vector<Nal> depacketize(const std::vector<SharedRtpPacket>& packets) {
  std::vector<Nal> nals;
  Nal fu;
  for (const auto& p : packets) {
    auto h = RtpHeader::parse(p->bytes);
    EXPECT_TRUE(h.has_value());
    if (!h) return {};
    const auto payload = h->payload;
    const uint8_t type = payload[0] & 0x1F;
    if (type == 24) {
      for (size_t pos = 1; pos < payload.size();) {
        const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
        nals.emplace_back(payload.begin() + static_cast<long>(pos + 2),
                          payload.begin() + static_cast<long>(pos + 2 + size));
        pos += 2 + size;
      }
    } else if (type == 28) {
      const bool start = (payload[1] & 0x80) != 0;
      const bool end = (payload[1] & 0x40) != 0;
      if (start) {
        EXPECT_TRUE(fu.empty());
        fu = {static_cast<uint8_t>((payload[0] & 0xE0) | (payload[1] & 0x1F))};
      }
      EXPECT_FALSE(fu.empty());
      fu.insert(fu.end(), payload.begin() + 2, payload.end());
      if (end) nals.push_back(std::exchange(fu, {}));
    } else {
      nals.emplace_back(payload.begin(), payload.end());
    }
  }
  EXPECT_TRUE(fu.empty());
  return nals;
}

H264PacketizerSettings settings(size_t max_payload = 1200) {
  H264PacketizerSettings s;
  s.ssrc = 0xCAFEBABE;
  s.payload_type = 102;
  s.max_payload = max_payload;
  s.first_sequence = 65530;
  s.first_timestamp = 1000;
  return s;
}

const Nal kSps = makeNal(0x67, 25);
const Nal kPps = makeNal(0x68, 4);

TEST(H264Packetizer, KeyframeGetsStapAThenFragmentsAndRoundTrips) {
  H264Packetizer packetizer(settings());
  packetizer.setParameterSets({kSps}, {kPps});
  const Nal sei = makeNal(0x06, 30);
  const Nal idr = makeNal(0x65, 5000);
  std::vector<SharedRtpPacket> packets;
  ASSERT_TRUE(packetizer.packetize(avcc({makeNal(0x09, 2), sei, idr}), 2'000'000'000, true, packets));

  // STAP-A(SPS, PPS), SEI single, IDR in FU-A fragments of at most 1200 bytes.
  ASSERT_GE(packets.size(), 2U + 5000 / 1198 + 1);
  const auto& stap = packets[0]->payload();
  EXPECT_EQ(stap[0] & 0x1F, 24);
  EXPECT_EQ(stap[0] & 0x60, 0x60);  // NRI = max(SPS, PPS)
  EXPECT_EQ(stap.size(), 1 + 2 + kSps.size() + 2 + kPps.size());
  const auto nals = depacketize(packets);
  EXPECT_EQ(nals, (std::vector<Nal>{kSps, kPps, sei, idr}));  // the AUD is dropped

  uint16_t expected_seq = 65530;
  for (size_t i = 0; i < packets.size(); ++i) {
    const auto h = RtpHeader::parse(packets[i]->bytes);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->sequence, expected_seq++);  // wraps through 0
    EXPECT_EQ(h->ssrc, 0xCAFEBABEU);
    EXPECT_EQ(h->payload_type, 102);
    EXPECT_EQ(h->timestamp, 1000U + 180000U);  // 2 s at 90 kHz
    EXPECT_EQ(h->marker, i + 1 == packets.size());
    EXPECT_EQ(packets[i]->marker, h->marker);
    EXPECT_LE(h->payload.size(), 1200U);
  }
  EXPECT_EQ(packetizer.nextSequence(), expected_seq);
}

TEST(H264Packetizer, DeltaFramesCarryNoParameterSets) {
  H264Packetizer packetizer(settings());
  packetizer.setParameterSets({kSps}, {kPps});
  const Nal slice = makeNal(0x41, 800);
  std::vector<SharedRtpPacket> packets;
  ASSERT_TRUE(packetizer.packetize(avcc({slice}), 33'366'667, false, packets));
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_TRUE(packets[0]->marker);
  EXPECT_EQ(depacketize(packets), std::vector<Nal>{slice});
  EXPECT_EQ(packets[0]->timestamp, 1000U + 3003U);
}

TEST(H264Packetizer, InBandParameterSetsAreAggregatedNotDuplicated) {
  H264Packetizer packetizer(settings());
  packetizer.setParameterSets({makeNal(0x67, 10)}, {makeNal(0x68, 3)});
  const Nal idr = makeNal(0x65, 300);
  std::vector<SharedRtpPacket> packets;
  ASSERT_TRUE(packetizer.packetize(avcc({kSps, kPps, idr}), 0, true, packets));
  ASSERT_EQ(packets.size(), 2U);
  EXPECT_EQ(packets[0]->payload()[0] & 0x1F, 24);
  EXPECT_EQ(depacketize(packets), (std::vector<Nal>{kSps, kPps, idr}));
}

TEST(H264Packetizer, MtuEdges) {
  const size_t mtu = 100;
  for (size_t size : {size_t{99}, size_t{100}, size_t{101}, size_t{197}, size_t{198}, size_t{199}, size_t{1000}}) {
    H264Packetizer packetizer(settings(mtu));
    const Nal nal = makeNal(0x41, size);
    std::vector<SharedRtpPacket> packets;
    ASSERT_TRUE(packetizer.packetize(avcc({nal}), 0, false, packets));
    const size_t expected = size <= mtu ? 1 : (size - 1 + mtu - 3) / (mtu - 2);
    EXPECT_EQ(packets.size(), expected) << size;
    for (size_t i = 0; i < packets.size(); ++i) {
      EXPECT_LE(packets[i]->payload().size(), mtu);
      if (i + 1 < packets.size()) {  // equal size, shorter last (UDP GSO sends such a run as one message)
        EXPECT_EQ(packets[i]->payload().size(), packets[0]->payload().size()) << size;
      } else {
        EXPECT_LE(packets[i]->payload().size(), packets[0]->payload().size()) << size;
      }
    }
    EXPECT_EQ(depacketize(packets), std::vector<Nal>{nal}) << size;
  }
}

TEST(H264Packetizer, OversizedParameterSetsAreSentSeparately) {
  H264Packetizer packetizer(settings(64));
  packetizer.setParameterSets({makeNal(0x67, 40)}, {makeNal(0x68, 30)});
  std::vector<SharedRtpPacket> packets;
  ASSERT_TRUE(packetizer.packetize(avcc({makeNal(0x65, 10)}), 0, true, packets));
  ASSERT_EQ(packets.size(), 3U);
  for (const auto& p : packets) EXPECT_NE(p->payload()[0] & 0x1F, 24);
}

TEST(H264Packetizer, RejectsMalformedAvccWithoutOutput) {
  H264Packetizer packetizer(settings());
  std::vector<SharedRtpPacket> packets;
  EXPECT_FALSE(packetizer.packetize(std::vector<uint8_t>{0, 0, 0, 9, 0x41, 1, 2}, 0, false, packets));
  EXPECT_FALSE(packetizer.packetize(std::vector<uint8_t>{0, 0, 0, 0}, 0, false, packets));
  EXPECT_FALSE(packetizer.packetize(std::vector<uint8_t>{0, 0, 1}, 0, false, packets));
  EXPECT_FALSE(packetizer.packetize(avcc({makeNal(0x09, 2)}), 0, false, packets));
  EXPECT_TRUE(packets.empty());
  EXPECT_EQ(packetizer.nextSequence(), 65530);
  EXPECT_THROW(H264Packetizer(settings(10)), common::Error);
}

TEST(H264Packetizer, TimestampsAre90kHz) {
  EXPECT_EQ(H264Packetizer::timestampFor(0, 5), 5U);
  EXPECT_EQ(H264Packetizer::timestampFor(1'000'000'000, 0), 90000U);
  EXPECT_EQ(H264Packetizer::timestampFor(11'111, 0), 0U);
  EXPECT_EQ(H264Packetizer::timestampFor(11'112, 0), 1U);
  EXPECT_EQ(H264Packetizer::timestampFor(-1, 10), 9U);
  EXPECT_EQ(H264Packetizer::timestampFor(int64_t{100000} * 1'000'000'000, 0), static_cast<uint32_t>(9'000'000'000ULL));
}

TEST(RtpHeader, ParsesExtensionsPaddingAndRejectsLies) {
  std::vector<uint8_t> p = {0xB1, 0xE0, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,  // 1 CSRC
                            0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0, 0,                      // one-byte ext
                            0x55, 0x66, 0, 0, 3};                                          // payload + pad 3
  auto h = RtpHeader::parse(p);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->marker);
  EXPECT_EQ(h->payload_type, 0x60);
  EXPECT_EQ(h->extension_profile, 0xBEDE);
  EXPECT_EQ(h->extension.size(), 4U);
  EXPECT_EQ(h->header_size, 24U);
  EXPECT_EQ(h->payload.size(), 2U);
  for (size_t n = 0; n < p.size(); ++n) EXPECT_FALSE(RtpHeader::parse(std::span(p.data(), n)).has_value()) << n;
  p.back() = 10;  // padding longer than the payload
  EXPECT_FALSE(RtpHeader::parse(p));
}

TEST(H264Packetizer, FuAFragmentsAreEqualSizedWithAShorterLast) {
  // Sizes where the remainder is large or tiny, and the smallest payload limit with a long NAL (the fragment
  // size must never leave the last fragment empty).
  for (const auto& [mtu, size] : {std::pair<size_t, size_t>{1200, 50000}, {1200, 1200 * 3 + 7}, {1200, 2400},
                                  {64, 100000}, {64, 3845}}) {
    H264Packetizer packetizer(settings(mtu));
    const Nal nal = makeNal(0x65, size);
    std::vector<SharedRtpPacket> packets;
    ASSERT_TRUE(packetizer.packetize(avcc({nal}), 0, false, packets));
    const size_t fewest = (size - 1 + mtu - 3) / (mtu - 2);
    ASSERT_EQ(packets.size(), fewest) << mtu << " " << size;
    const size_t first = packets[0]->bytes.size();
    size_t payload_total = 0;
    for (size_t i = 0; i < packets.size(); ++i) {
      const size_t n = packets[i]->bytes.size();
      EXPECT_TRUE(i + 1 == packets.size() ? n <= first && n > RtpPacket::kHeaderSize + 2 : n == first) << i;
      payload_total += n - RtpPacket::kHeaderSize - 2;
    }
    EXPECT_EQ(payload_total, size - 1);
    EXPECT_EQ(depacketize(packets), std::vector<Nal>{nal});
  }
}

}  // namespace
}  // namespace airclass::media::webrtc
