#include "media/webrtc/sdp_answer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/error.hpp"

namespace airclass::media::webrtc {
namespace {

std::string readVector(const std::string& name) {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SdpAnswerSettings ourSettings(SdpAnswerSettings::Role role = SdpAnswerSettings::Role::Send) {
  SdpAnswerSettings s;
  s.role = role;
  s.ice_ufrag = "srvU";
  s.ice_pwd = "0123456789abcdefghijklmn";
  s.fingerprint_sha256 =
      "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
  s.candidates = {{"1", 2130706431, "127.0.0.1", 8443, false}, {"2", 1518280447, "127.0.0.1", 8443, true}};
  s.session_id = 42;
  s.video_ssrc = 1111;
  s.video_rtx_ssrc = 2222;
  s.audio_ssrc = 3333;
  return s;
}

bool hasLine(const std::string& sdp, const std::string& line) { return sdp.find(line + "\r\n") != std::string::npos; }

SessionDescription parseOk(const std::string& text) {
  auto sd = SessionDescription::parse(text);
  EXPECT_TRUE(sd.ok()) << sd.error();
  return sd.ok() ? *sd : SessionDescription{};
}

TEST(SdpAnswer, AnswersChromiumWhepOffer) {
  const auto offer = parseOk(readVector("chromium_whep_offer.sdp"));
  const auto answer = SdpAnswer::create(offer, ourSettings());
  if (const char* dump = std::getenv("AIRCLASS_DUMP_ANSWER")) std::ofstream(dump) << answer.sdp;
  ASSERT_EQ(answer.media.size(), 2U);

  const auto& video = answer.media[0];
  EXPECT_FALSE(video.rejected);
  EXPECT_EQ(video.direction, SdpDirection::SendOnly);
  EXPECT_EQ(video.codec, "H264");
  const SdpCodec* offered = offer.media[0].codec(video.payload_type);
  ASSERT_NE(offered, nullptr);
  EXPECT_EQ(offered->fmtpParameter("profile-level-id"), "42e01f");  // constrained baseline preferred
  EXPECT_EQ(offered->fmtpParameter("packetization-mode"), "1");
  EXPECT_EQ(video.fmtp, offered->fmtp);
  ASSERT_GE(video.rtx_payload_type, 0);
  EXPECT_EQ(offer.media[0].codec(video.rtx_payload_type)->fmtpParameter("apt"), std::to_string(video.payload_type));
  EXPECT_EQ(video.feedback, (std::vector<std::string>{"transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_GT(video.transport_cc_extension, 0);

  const auto& audio = answer.media[1];
  EXPECT_FALSE(audio.rejected);
  EXPECT_EQ(audio.codec, "opus");
  EXPECT_EQ(audio.payload_type, 111);
  EXPECT_EQ(audio.feedback, std::vector<std::string>{"transport-cc"});

  EXPECT_EQ(answer.remote_ice_ufrag, offer.media[0].ice_ufrag);
  EXPECT_EQ(answer.remote_fingerprint, offer.media[0].fingerprint);

  const std::string& sdp = answer.sdp;
  EXPECT_TRUE(hasLine(sdp, "a=ice-lite"));
  EXPECT_TRUE(hasLine(sdp, "a=group:BUNDLE 0 1"));
  EXPECT_TRUE(hasLine(sdp, "a=setup:passive"));
  EXPECT_TRUE(hasLine(sdp, "a=candidate:1 1 udp 2130706431 127.0.0.1 8443 typ host"));
  EXPECT_TRUE(hasLine(sdp, "a=candidate:2 1 tcp 1518280447 127.0.0.1 8443 typ host tcptype passive"));
  const std::string pt = std::to_string(video.payload_type);
  const std::string rtx = std::to_string(video.rtx_payload_type);
  EXPECT_TRUE(hasLine(sdp, "m=video 9 UDP/TLS/RTP/SAVPF " + pt + " " + rtx));
  EXPECT_TRUE(hasLine(sdp, "a=rtpmap:" + pt + " H264/90000"));
  EXPECT_TRUE(hasLine(sdp, "a=fmtp:" + rtx + " apt=" + pt));
  EXPECT_TRUE(hasLine(sdp, "a=ssrc-group:FID 1111 2222"));
  EXPECT_TRUE(hasLine(sdp, "a=ssrc:3333 cname:airclass"));
  EXPECT_TRUE(hasLine(sdp, "m=audio 9 UDP/TLS/RTP/SAVPF 111"));

  // Our own parser reads the answer back.
  const auto back = parseOk(sdp);
  EXPECT_TRUE(back.ice_lite);
  ASSERT_EQ(back.media.size(), 2U);
  EXPECT_EQ(back.media[0].direction, SdpDirection::SendOnly);
  EXPECT_EQ(back.media[0].ice_ufrag, "srvU");
  EXPECT_EQ(back.media[0].setup, "passive");
  EXPECT_EQ(back.media[0].ssrcs.size(), 2U);
  EXPECT_EQ(back.media[1].codecs.size(), 1U);
}

TEST(SdpAnswer, AnswersChromiumWhipOfferAsReceiver) {
  const auto offer = parseOk(readVector("chromium_whip_offer.sdp"));
  const auto answer = SdpAnswer::create(offer, ourSettings(SdpAnswerSettings::Role::Receive));
  ASSERT_EQ(answer.media.size(), 2U);
  EXPECT_EQ(answer.media[0].direction, SdpDirection::RecvOnly);
  EXPECT_EQ(answer.media[0].remote_ssrcs.size(), 2U);
  EXPECT_EQ(answer.media[1].direction, SdpDirection::RecvOnly);
  EXPECT_TRUE(hasLine(answer.sdp, "a=recvonly"));
  EXPECT_EQ(answer.sdp.find("a=ssrc:"), std::string::npos);  // we announce no send streams
}

TEST(SdpAnswer, WrongDirectionOrNoUsableCodecIsAClearError) {
  const auto whip = parseOk(readVector("chromium_whip_offer.sdp"));
  try {
    (void)SdpAnswer::create(whip, ourSettings(SdpAnswerSettings::Role::Send));  // a publisher offer on WHEP
    FAIL() << "expected an error";
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), common::ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("no usable codec"), std::string::npos);
  }
  // VP8-only video and PCMU-only audio: nothing we can send.
  const auto vp8 = parseOk(
      "v=0\r\na=group:BUNDLE 0 1\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 102\r\na=mid:0\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:0123456789012345678901\r\na=fingerprint:sha-256 AA\r\na=setup:actpass\r\na=recvonly\r\n"
      "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=0;profile-level-id=42e01f\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n");
  EXPECT_THROW((void)SdpAnswer::create(vp8, ourSettings()), common::Error);
  // High profile only is not compatible with our constrained-baseline stream.
  const auto high = parseOk(
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=fingerprint:sha-256 AA\r\na=setup:actpass\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=1;profile-level-id=64001f\r\n");
  EXPECT_THROW((void)SdpAnswer::create(high, ourSettings()), common::Error);
}

TEST(SdpAnswer, RejectsUnservableSectionsAndBadTransport) {
  const std::string base =
      "v=0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:0123456789012345678901\r\na=fingerprint:sha-256 AA\r\na=setup:actpass\r\na=recvonly\r\n"
      "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
  const auto ok = SdpAnswer::create(parseOk(base + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"),
                                    ourSettings());
  ASSERT_EQ(ok.media.size(), 2U);
  EXPECT_TRUE(ok.media[1].rejected);
  EXPECT_TRUE(hasLine(ok.sdp, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
  EXPECT_TRUE(hasLine(ok.sdp, "a=group:BUNDLE 0"));

  auto expectError = [](const std::string& text, common::ErrorCode code) {
    try {
      (void)SdpAnswer::create(parseOk(text), ourSettings());
      ADD_FAILURE() << "expected an error for:\n" << text;
    } catch (const common::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  expectError(replace("a=rtcp-mux\r\n", ""), common::ErrorCode::BadRequest);
  expectError(replace("a=setup:actpass", "a=setup:passive"), common::ErrorCode::Unsupported);
  expectError(replace("a=fingerprint:sha-256 AA", "a=fingerprint:sha-1 AA"), common::ErrorCode::BadRequest);
  expectError(replace("a=ice-ufrag:abcd\r\n", ""), common::ErrorCode::BadRequest);
  expectError(replace("a=mid:0\r\n", ""), common::ErrorCode::BadRequest);
  // Two bundled sections need the offer's BUNDLE group.
  const std::string video =
      "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:1\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=fingerprint:sha-256 AA\r\na=setup:actpass\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n";
  expectError(base + video, common::ErrorCode::BadRequest);
  const auto both = SdpAnswer::create(parseOk(replace("BUNDLE 0", "BUNDLE 0 1") + video), ourSettings());
  EXPECT_TRUE(hasLine(both.sdp, "a=group:BUNDLE 0 1"));
  EXPECT_THROW((void)SdpAnswer::create(parseOk(base), SdpAnswerSettings{}), common::Error);
}

}  // namespace
}  // namespace airclass::media::webrtc
