#include "media/webrtc/stun_message.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "media/webrtc/packet_demux.hpp"

namespace airclass::media::webrtc {
namespace {

// RFC 5769 test vectors, byte for byte.
const std::string kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const StunMessage::TransactionId kTxid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

const std::vector<uint8_t> kSampleRequest = {  // 2.1
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

const std::vector<uint8_t> kSampleIpv4Response = {  // 2.2
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

const std::vector<uint8_t> kSampleIpv6Response = {  // 2.3
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

TEST(StunMessage, ParsesRfc5769SampleRequest) {
  auto m = StunMessage::parse(kSampleRequest);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->method, StunMessage::kBindingMethod);
  EXPECT_EQ(m->message_class, StunClass::Request);
  EXPECT_EQ(m->transaction_id, kTxid);
  EXPECT_EQ(m->software, "STUN test client");
  EXPECT_EQ(m->username, "evtj:h6vY");
  EXPECT_EQ(m->priority, 0x6e0001ffU);
  EXPECT_EQ(m->ice_controlled, 0x932ff9b151263b36ULL);
  EXPECT_FALSE(m->ice_controlling.has_value());
  EXPECT_FALSE(m->use_candidate);
  EXPECT_TRUE(m->verifyIntegrity(kPassword));
  EXPECT_FALSE(m->verifyIntegrity("wrong password"));
  EXPECT_TRUE(m->verifyFingerprint());
}

TEST(StunMessage, RecognizesIceChecksAddressedToUs) {
  auto m = StunMessage::parse(kSampleRequest);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->isIceCheckFor("evtj", kPassword));
  EXPECT_FALSE(m->isIceCheckFor("evt", kPassword));
  EXPECT_FALSE(m->isIceCheckFor("h6vY", kPassword));
  EXPECT_FALSE(m->isIceCheckFor("evtj", "other"));
  auto response = StunMessage::parse(kSampleIpv4Response);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->isIceCheckFor("evtj", kPassword));
}

TEST(StunMessage, SerializesRfc5769SampleRequestByteForByte) {
  StunMessage m;
  m.transaction_id = kTxid;
  m.software = "STUN test client";
  m.priority = 0x6e0001ff;
  m.ice_controlled = 0x932ff9b151263b36ULL;
  m.username = "evtj:h6vY";
  EXPECT_EQ(m.serialize(kPassword, true, 0x20), kSampleRequest);
}

TEST(StunMessage, Ipv4AndIpv6ResponsesByteForByte) {
  struct Case {
    const std::vector<uint8_t>& bytes;
    StunAddress address;
  };
  StunAddress v4;
  v4.ip = {192, 0, 2, 1};
  v4.port = 32853;
  StunAddress v6;
  v6.ipv6 = true;
  v6.ip = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  v6.port = 32853;
  for (const Case& c : {Case{kSampleIpv4Response, v4}, Case{kSampleIpv6Response, v6}}) {
    auto m = StunMessage::parse(c.bytes);
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_EQ(m->message_class, StunClass::SuccessResponse);
    EXPECT_EQ(m->software, "test vector");
    ASSERT_TRUE(m->xor_mapped_address.has_value());
    EXPECT_EQ(*m->xor_mapped_address, c.address);
    EXPECT_TRUE(m->verifyIntegrity(kPassword));
    EXPECT_TRUE(m->verifyFingerprint());

    StunMessage built;
    built.message_class = StunClass::SuccessResponse;
    built.transaction_id = kTxid;
    built.software = "test vector";
    built.xor_mapped_address = c.address;
    EXPECT_EQ(built.serialize(kPassword, true, 0x20), c.bytes);
  }
}

TEST(StunMessage, IceLiteBindingSuccessRoundTrip) {
  auto request = StunMessage::parse(kSampleRequest);
  ASSERT_TRUE(request.ok());
  StunAddress source;
  source.ip = {127, 0, 0, 1};
  source.port = 50000;
  const auto bytes = StunMessage::bindingSuccess(*request, source).serialize("ourpwd", true);
  EXPECT_TRUE(StunMessage::looksLikeStun(bytes));
  EXPECT_EQ(classifyPacket(bytes), PacketKind::Stun);
  auto response = StunMessage::parse(bytes);
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->message_class, StunClass::SuccessResponse);
  EXPECT_EQ(response->transaction_id, kTxid);
  EXPECT_EQ(response->xor_mapped_address, source);
  EXPECT_TRUE(response->verifyIntegrity("ourpwd"));
  EXPECT_TRUE(response->verifyFingerprint());
}

TEST(StunMessage, RequestAttributesRoundTrip) {
  StunMessage m;
  m.transaction_id = kTxid;
  m.username = "abcd:efgh";
  m.priority = 1853824767;
  m.use_candidate = true;
  m.ice_controlling = 0x0102030405060708ULL;
  m.error_code = StunErrorCode{487, "Role Conflict"};
  auto parsed = StunMessage::parse(m.serialize("key", true));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->username, "abcd:efgh");
  EXPECT_TRUE(parsed->use_candidate);
  EXPECT_EQ(parsed->ice_controlling, 0x0102030405060708ULL);
  EXPECT_EQ(parsed->error_code, (StunErrorCode{487, "Role Conflict"}));
  EXPECT_TRUE(parsed->verifyIntegrity("key"));
}

TEST(StunMessage, TamperingBreaksIntegrityOrFingerprint) {
  for (size_t i = 0; i < kSampleRequest.size(); ++i) {
    auto bytes = kSampleRequest;
    bytes[i] ^= 0x01;
    auto m = StunMessage::parse(bytes);
    if (!m.ok()) continue;  // framing damaged: rejected outright
    EXPECT_FALSE(m->verifyFingerprint() && m->verifyIntegrity(kPassword)) << "byte " << i;
  }
}

TEST(StunMessage, RejectsTruncationAndGarbage) {
  for (size_t n = 0; n < kSampleRequest.size(); ++n) {
    EXPECT_FALSE(StunMessage::parse(std::span(kSampleRequest.data(), n)).ok()) << n;
  }
  auto bad_cookie = kSampleRequest;
  bad_cookie[4] = 0;
  EXPECT_FALSE(StunMessage::parse(bad_cookie).ok());
  auto lying_attribute = kSampleRequest;
  lying_attribute[22] = 0x01;  // SOFTWARE claims 0x0110 bytes
  EXPECT_FALSE(StunMessage::parse(lying_attribute).ok());
  auto after_fingerprint = kSampleRequest;
  after_fingerprint.insert(after_fingerprint.end(), {0x00, 0x25, 0x00, 0x00});
  after_fingerprint[3] += 4;
  EXPECT_FALSE(StunMessage::parse(after_fingerprint).ok());
  std::vector<uint8_t> huge(StunMessage::kMaxSize + 4, 0);
  huge[2] = static_cast<uint8_t>((huge.size() - 20) >> 8);
  huge[3] = static_cast<uint8_t>(huge.size() - 20);
  huge[4] = 0x21, huge[5] = 0x12, huge[6] = 0xa4, huge[7] = 0x42;
  EXPECT_FALSE(StunMessage::parse(huge).ok());
}

TEST(StunMessage, RecordsUnknownComprehensionRequired) {
  StunMessage m;
  auto bytes = m.serialize("", false);
  bytes.insert(bytes.end(), {0x00, 0x33, 0x00, 0x01, 0xff, 0, 0, 0, 0xc0, 0x57, 0x00, 0x00});
  bytes[3] = 12;
  auto parsed = StunMessage::parse(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->unknown_required, std::vector<uint16_t>{0x0033});
  EXPECT_FALSE(parsed->hasIntegrity());
  EXPECT_FALSE(parsed->verifyIntegrity(""));
}

TEST(PacketDemux, ClassifiesByFirstByte) {
  EXPECT_EQ(classifyPacket(kSampleRequest), PacketKind::Stun);
  const std::vector<uint8_t> dtls = {22, 0xfe, 0xfd, 0, 0};
  EXPECT_EQ(classifyPacket(dtls), PacketKind::Dtls);
  const std::vector<uint8_t> rtp = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(classifyPacket(rtp), PacketKind::Rtp);
  const std::vector<uint8_t> rtcp = {0x81, 201, 0, 1, 0, 0, 0, 1};
  EXPECT_EQ(classifyPacket(rtcp), PacketKind::Rtcp);
  const std::vector<uint8_t> other = {64, 1, 2, 3};
  EXPECT_EQ(classifyPacket(other), PacketKind::Unknown);
  EXPECT_EQ(classifyPacket({}), PacketKind::Unknown);
}

}  // namespace
}  // namespace airclass::media::webrtc
