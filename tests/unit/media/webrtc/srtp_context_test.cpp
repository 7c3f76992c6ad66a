#include "media/webrtc/srtp_context.hpp"

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <string>
#include <vector>

#include "common/error.hpp"

namespace airclass::media::webrtc {
namespace {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < text.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<uint8_t> rtpPacket(uint32_t ssrc, uint16_t seq, size_t payload, uint8_t fill) {
  std::vector<uint8_t> p = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0x12, 0x34,
                            static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  p.insert(p.end(), payload, fill);
  return p;
}

std::vector<uint8_t> rtcpPacket(uint32_t ssrc) {  // an RR with one report block
  std::vector<uint8_t> p = {0x81, 201, 0, 7, static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  for (uint8_t i = 0; i < 24; ++i) p.push_back(i);
  return p;
}

// RFC 3711 B.3: key derivation.
TEST(SrtpContext, Rfc3711KeyDerivation) {
  const auto keys = SrtpContext::deriveSessionKeys(SrtpProfile::AesCm128HmacSha1_80,
                                                   hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
                                                   hex("0EC675AD498AFEEBB6960B3AABE6"), false);
  EXPECT_EQ(keys.cipher_key, hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(keys.salt, hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(keys.auth_key, hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

// RFC 3711 B.2: the AES-CM keystream for SSRC 0, index 0 is what a zero payload encrypts to.
TEST(SrtpContext, Rfc3711AesCmKeystream) {
  SrtpSessionKeys k{hex("2B7E151628AED2A6ABF7158809CF4F3C"), hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
                    std::vector<uint8_t>(20, 0)};
  SrtpContext ctx(SrtpProfile::AesCm128HmacSha1_80, k, k);
  auto packet = rtpPacket(0, 0, 48, 0);
  packet.resize(packet.size() + SrtpContext::kMaxOverhead);
  size_t length = 12 + 48;
  ASSERT_EQ(ctx.protectRtp(packet, length), SrtpStatus::Ok);
  EXPECT_EQ(length, 12U + 48 + 10);
  EXPECT_EQ(std::vector<uint8_t>(packet.begin() + 12, packet.begin() + 60),
            hex("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
                "41E95B3BB0A2E8DD477901E4FCA894C0"));
}

const SrtpSessionKeys kGcmKeys{hex("000102030405060708090a0b0c0d0e0f"), hex("517569642070726f2071756f"), {}};
const std::string kGcmRtp =
    "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";
const std::string kGcmSrtp =
    "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
    "899d7f27beb16a9152cf765ee4390cce";
const std::string kGcmRtcp =
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
const std::string kGcmSrtcp =
    "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc8"
    "4aa45896cf4d2fc5abf87245d9eade800005d4";
const std::string kGcmSrtcpTagOnly =
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
    "841dd9683dd78ec92ae58790125f62b3000005d4";

// RFC 7714 16.1: AEAD_AES_128_GCM SRTP encryption and decryption.
TEST(SrtpContext, Rfc7714SrtpVectors) {
  SrtpContext sender(SrtpProfile::AeadAes128Gcm, kGcmKeys, kGcmKeys);
  auto buffer = hex(kGcmRtp);
  size_t length = buffer.size();
  buffer.resize(length + SrtpContext::kMaxOverhead);
  ASSERT_EQ(sender.protectRtp(buffer, length), SrtpStatus::Ok);
  buffer.resize(length);
  EXPECT_EQ(buffer, hex(kGcmSrtp));

  SrtpContext receiver(SrtpProfile::AeadAes128Gcm, kGcmKeys, kGcmKeys);
  auto protected_packet = hex(kGcmSrtp);
  length = protected_packet.size();
  ASSERT_EQ(receiver.unprotectRtp(protected_packet, length), SrtpStatus::Ok);
  protected_packet.resize(length);
  EXPECT_EQ(protected_packet, hex(kGcmRtp));

  // 16.1.2's point: a changed tag is rejected.
  SrtpContext fresh(SrtpProfile::AeadAes128Gcm, kGcmKeys, kGcmKeys);
  auto tampered = hex(kGcmSrtp);
  tampered.back() ^= 1;
  length = tampered.size();
  EXPECT_EQ(fresh.unprotectRtp(tampered, length), SrtpStatus::AuthFailed);
}

// RFC 7714 17.1 and 17.3: SRTCP with and without encryption (index 0x5d4).
TEST(SrtpContext, Rfc7714SrtcpVectors) {
  for (const auto& vector : {kGcmSrtcp, kGcmSrtcpTagOnly}) {
    SrtpContext receiver(SrtpProfile::AeadAes128Gcm, kGcmKeys, kGcmKeys);
    auto buffer = hex(vector);
    size_t length = buffer.size();
    ASSERT_EQ(receiver.unprotectRtcp(buffer, length), SrtpStatus::Ok);
    buffer.resize(length);
    EXPECT_EQ(buffer, hex(kGcmRtcp));
    auto again = hex(vector);
    length = again.size();
    EXPECT_EQ(receiver.unprotectRtcp(again, length), SrtpStatus::Replayed);
  }
  SrtpContext sender(SrtpProfile::AeadAes128Gcm, kGcmKeys, kGcmKeys);
  const auto plain = hex(kGcmRtcp);
  std::vector<uint8_t> buffer;
  size_t length = 0;
  for (uint32_t index = 1; index <= 0x5d4; ++index) {  // SRTCP indexes count from 1
    buffer = plain;
    buffer.resize(plain.size() + SrtpContext::kMaxOverhead);
    length = plain.size();
    ASSERT_EQ(sender.protectRtcp(buffer, length), SrtpStatus::Ok);
  }
  buffer.resize(length);
  EXPECT_EQ(buffer, hex(kGcmSrtcp));
}

TEST(SrtpContext, RejectsWrongKeySizesAndShortPackets) {
  EXPECT_THROW(SrtpContext(SrtpProfile::AeadAes128Gcm, hex("00"), hex("00")), common::Error);
  SrtpContext ctx(SrtpProfile::AesCm128HmacSha1_80, std::vector<uint8_t>(16, 1), std::vector<uint8_t>(14, 2));
  std::vector<uint8_t> tiny(30, 0x80);
  size_t length = 11;
  EXPECT_EQ(ctx.protectRtp(tiny, length), SrtpStatus::BadPacket);
  length = 20;
  EXPECT_EQ(ctx.unprotectRtp(tiny, length), SrtpStatus::BadPacket);
  auto full = rtpPacket(1, 1, 10, 0);
  length = full.size();
  EXPECT_EQ(ctx.protectRtp(full, length), SrtpStatus::NoRoom);
  std::vector<uint8_t> lying = {0x9f, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};  // 15 CSRCs in 14 bytes
  lying.resize(64);
  length = 14;
  EXPECT_EQ(ctx.protectRtp(lying, length), SrtpStatus::BadPacket);
}

// Our context against libsrtp2 (the reference), both profiles, both directions, RTP and RTCP, across a
// sequence number wrap (ROC 0 -> 1).
class LibSrtp {
 public:
  LibSrtp(SrtpProfile profile, const std::vector<uint8_t>& key_salt, bool outbound) {
    static const bool init = srtp_init() == srtp_err_status_ok;
    EXPECT_TRUE(init);
    srtp_policy_t policy{};
    if (profile == SrtpProfile::AeadAes128Gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = const_cast<unsigned char*>(key_salt.data());
    policy.window_size = 128;
    EXPECT_EQ(srtp_create(&session_, &policy), srtp_err_status_ok);
  }
  ~LibSrtp() { srtp_dealloc(session_); }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;
  srtp_t get() { return session_; }

 private:
  srtp_t session_ = nullptr;
};

class SrtpInterop : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(SrtpInterop, MatchesLibSrtpBothWays) {
  const SrtpProfile profile = GetParam();
  std::vector<uint8_t> key_salt;
  for (size_t i = 0; i < SrtpContext::masterKeySize(profile) + SrtpContext::masterSaltSize(profile); ++i)
    key_salt.push_back(static_cast<uint8_t>(0x30 + i * 7));
  const std::span<const uint8_t> key(key_salt.data(), SrtpContext::masterKeySize(profile));
  const std::span<const uint8_t> salt(key_salt.data() + key.size(), SrtpContext::masterSaltSize(profile));

  SrtpContext ours_out(profile, key, salt);
  SrtpContext ours_in(profile, key, salt);
  LibSrtp theirs_in(profile, key_salt, false);
  LibSrtp theirs_out(profile, key_salt, true);
  const uint32_t ssrc = 0x11223344;
  for (uint32_t i = 0; i < 300; ++i) {
    const auto seq = static_cast<uint16_t>(65400 + i);  // wraps after 136 packets
    const auto plain = rtpPacket(ssrc, seq, 50 + i % 700, static_cast<uint8_t>(i));

    // ours -> libsrtp
    auto buffer = plain;
    buffer.resize(plain.size() + SrtpContext::kMaxOverhead);
    size_t length = plain.size();
    ASSERT_EQ(ours_out.protectRtp(buffer, length), SrtpStatus::Ok);
    int len = static_cast<int>(length);
    ASSERT_EQ(srtp_unprotect(theirs_in.get(), buffer.data(), &len), srtp_err_status_ok) << "seq " << seq;
    ASSERT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + len), plain);

    // libsrtp -> ours
    buffer = plain;
    buffer.resize(plain.size() + SRTP_MAX_TRAILER_LEN);
    len = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect(theirs_out.get(), buffer.data(), &len), srtp_err_status_ok);
    length = static_cast<size_t>(len);
    ASSERT_EQ(ours_in.unprotectRtp(buffer, length), SrtpStatus::Ok) << "seq " << seq;
    ASSERT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(length)), plain);
    // RTCP both ways.
    const auto rtcp = rtcpPacket(ssrc);
    buffer = rtcp;
    buffer.resize(rtcp.size() + SRTP_MAX_TRAILER_LEN);
    length = rtcp.size();
    ASSERT_EQ(ours_out.protectRtcp(buffer, length), SrtpStatus::Ok);
    len = static_cast<int>(length);
    ASSERT_EQ(srtp_unprotect_rtcp(theirs_in.get(), buffer.data(), &len), srtp_err_status_ok);
    ASSERT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + len), rtcp);
    buffer = rtcp;
    buffer.resize(rtcp.size() + SRTP_MAX_TRAILER_LEN);
    len = static_cast<int>(rtcp.size());
    ASSERT_EQ(srtp_protect_rtcp(theirs_out.get(), buffer.data(), &len), srtp_err_status_ok);
    length = static_cast<size_t>(len);
    auto replay = buffer;
    const size_t replay_length = length;
    ASSERT_EQ(ours_in.unprotectRtcp(buffer, length), SrtpStatus::Ok);
    ASSERT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(length)), rtcp);
    size_t again_length = replay_length;
    EXPECT_EQ(ours_in.unprotectRtcp(replay, again_length), SrtpStatus::Replayed);
  }
}

TEST_P(SrtpInterop, ReplayTamperAndOutOfOrder) {
  const SrtpProfile profile = GetParam();
  const std::vector<uint8_t> key(16, 0x42);
  const std::vector<uint8_t> salt(SrtpContext::masterSaltSize(profile), 0x17);
  SrtpContext sender(profile, key, salt);
  SrtpContext receiver(profile, key, salt);
  std::vector<std::vector<uint8_t>> sent;
  for (uint16_t seq = 100; seq < 110; ++seq) {
    const auto plain = rtpPacket(7, seq, 100, 0xAB);
    std::vector<uint8_t> out(plain.size() + SrtpContext::kMaxOverhead);
    size_t length = 0;
    ASSERT_EQ(sender.protectRtp(plain, out, length), SrtpStatus::Ok);  // the fan-out's copy-and-protect
    out.resize(length);
    sent.push_back(out);
  }
  auto deliver = [&](std::vector<uint8_t> packet) {
    size_t length = packet.size();
    return receiver.unprotectRtp(packet, length);
  };
  EXPECT_EQ(deliver(sent[5]), SrtpStatus::Ok);
  EXPECT_EQ(deliver(sent[2]), SrtpStatus::Ok);  // late but inside the window
  EXPECT_EQ(deliver(sent[5]), SrtpStatus::Replayed);
  EXPECT_EQ(deliver(sent[2]), SrtpStatus::Replayed);
  auto tampered = sent[7];
  tampered[20] ^= 0x01;
  EXPECT_EQ(deliver(tampered), SrtpStatus::AuthFailed);
  EXPECT_EQ(deliver(sent[7]), SrtpStatus::Ok);  // a failed forgery does not poison the window
}

TEST_P(SrtpInterop, DtlsKeyingMaterialSplit) {
  const SrtpProfile profile = GetParam();
  std::vector<uint8_t> material(SrtpContext::keyingMaterialSize(profile));
  for (size_t i = 0; i < material.size(); ++i) material[i] = static_cast<uint8_t>(i);
  const size_t key = SrtpContext::masterKeySize(profile);
  const size_t salt = SrtpContext::masterSaltSize(profile);
  EXPECT_EQ(material.size(), profile == SrtpProfile::AeadAes128Gcm ? 56U : 60U);
  // The server's write key and salt, taken by hand from RFC 5764 4.2's layout.
  SrtpContext server_by_hand(profile, std::span(material).subspan(key, key),
                             std::span(material).subspan(2 * key + salt, salt));
  SrtpContext server = SrtpContext::fromKeyingMaterial(profile, material, false);
  SrtpContext client = SrtpContext::fromKeyingMaterial(profile, material, true);
  const auto plain = rtpPacket(9, 1, 40, 0x77);
  std::vector<uint8_t> a(plain.size() + SrtpContext::kMaxOverhead), b(a.size()), c(a.size());
  size_t la = 0, lb = 0, lc = 0;
  ASSERT_EQ(server.protectRtp(plain, a, la), SrtpStatus::Ok);
  ASSERT_EQ(server_by_hand.protectRtp(plain, b, lb), SrtpStatus::Ok);
  ASSERT_EQ(client.protectRtp(plain, c, lc), SrtpStatus::Ok);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_THROW((void)SrtpContext::fromKeyingMaterial(profile, std::span(material).first(10), false), common::Error);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpInterop,
                         ::testing::Values(SrtpProfile::AesCm128HmacSha1_80, SrtpProfile::AeadAes128Gcm));

}  // namespace
}  // namespace airclass::media::webrtc
