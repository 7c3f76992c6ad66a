#include "media/webrtc/session_description.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "media/webrtc/sdp_answer.hpp"

namespace airclass::media::webrtc {
namespace {

std::string readVector(const std::string& name) {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SessionDescription, ParsesChromiumWhepOffer) {
  const std::string text = readVector("chromium_whep_offer.sdp");
  ASSERT_FALSE(text.empty());
  auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd.ok()) << sd.error();
  EXPECT_EQ(sd->bundle, (std::vector<std::string>{"0", "1"}));
  EXPECT_FALSE(sd->ice_lite);
  ASSERT_EQ(sd->media.size(), 2U);

  const SdpMedia& video = sd->media[0];
  EXPECT_EQ(video.kind, "video");
  EXPECT_EQ(video.port, 9);
  EXPECT_EQ(video.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(video.mid, "0");
  EXPECT_EQ(video.direction, SdpDirection::RecvOnly);
  EXPECT_GE(video.ice_ufrag.size(), 4U);
  EXPECT_GE(video.ice_pwd.size(), 22U);
  EXPECT_EQ(video.fingerprint_algorithm, "sha-256");
  EXPECT_EQ(video.fingerprint.size(), 32U * 3 - 1);
  EXPECT_EQ(video.setup, "actpass");
  EXPECT_TRUE(video.rtcp_mux);
  EXPECT_TRUE(video.rtcp_rsize);
  EXPECT_EQ(video.codecs.size(), video.formats.size());
  const SdpCodec* h264 = nullptr;
  for (const auto& c : video.codecs) {
    if (c.name == "H264" && c.fmtpParameter("profile-level-id") == "42e01f" &&
        c.fmtpParameter("packetization-mode") == "1") {
      h264 = &c;
    }
  }
  ASSERT_NE(h264, nullptr);
  EXPECT_EQ(h264->clock_rate, 90000);
  EXPECT_NE(std::find(h264->feedback.begin(), h264->feedback.end(), "nack pli"), h264->feedback.end());
  EXPECT_NE(std::find(h264->feedback.begin(), h264->feedback.end(), "transport-cc"), h264->feedback.end());
  EXPECT_GT(video.extmapId(SdpAnswer::kTransportCcUri), 0);
  EXPECT_GT(video.extmapId(SdpAnswer::kMidUri), 0);
  EXPECT_TRUE(video.ssrcs.empty());  // recvonly: Chromium announces no send SSRC

  const SdpMedia& audio = sd->media[1];
  EXPECT_EQ(audio.kind, "audio");
  EXPECT_EQ(audio.mid, "1");
  EXPECT_EQ(audio.direction, SdpDirection::RecvOnly);
  ASSERT_NE(audio.codec(111), nullptr);
  EXPECT_EQ(audio.codec(111)->name, "opus");
  EXPECT_EQ(audio.codec(111)->clock_rate, 48000);
  EXPECT_EQ(audio.codec(111)->channels, 2);
  EXPECT_EQ(audio.codec(111)->fmtpParameter("useinbandfec"), "1");
  EXPECT_EQ(audio.ice_ufrag, video.ice_ufrag);
}

TEST(SessionDescription, ParsesChromiumWhipOfferSsrcs) {
  auto sd = SessionDescription::parse(readVector("chromium_whip_offer.sdp"));
  ASSERT_TRUE(sd.ok()) << sd.error();
  ASSERT_EQ(sd->media.size(), 2U);
  const SdpMedia& video = sd->media[0];
  EXPECT_EQ(video.direction, SdpDirection::SendOnly);
  EXPECT_FALSE(video.msid.empty());
  ASSERT_EQ(video.ssrcs.size(), 2U);
  EXPECT_FALSE(video.ssrcs[0].cname.empty());
  EXPECT_FALSE(video.ssrcs[0].msid.empty());
  ASSERT_EQ(video.fid_groups.size(), 1U);
  EXPECT_EQ(video.fid_groups[0], (std::vector<uint32_t>{video.ssrcs[0].ssrc, video.ssrcs[1].ssrc}));
  EXPECT_EQ(sd->media[1].ssrcs.size(), 1U);
}

TEST(SessionDescription, InheritsSessionLevelIceAndDtls) {
  const std::string text =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=fingerprint:SHA-256 AA:BB\r\na=setup:active\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\n"
      "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:* nack\r\n";
  auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd.ok()) << sd.error();
  const SdpMedia& m = sd->media.at(0);
  EXPECT_EQ(m.ice_ufrag, "abcd");
  EXPECT_EQ(m.fingerprint_algorithm, "sha-256");
  EXPECT_EQ(m.fingerprint, "AA:BB");
  EXPECT_EQ(m.setup, "active");
  EXPECT_EQ(m.codecs.at(0).feedback, std::vector<std::string>{"nack"});
}

TEST(SessionDescription, RejectsMalformedAndOversized) {
  EXPECT_FALSE(SessionDescription::parse("").ok());
  EXPECT_FALSE(SessionDescription::parse("v=1\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nnot a line\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 9\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 99999 UDP/TLS/RTP/SAVPF 96\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:300 H264/90000\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:0 urn:x\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\na=x:" + std::string(5000, 'x') + "\r\n").ok());
  EXPECT_FALSE(SessionDescription::parse(std::string(SessionDescription::kMaxSize + 1, 'a')).ok());
  EXPECT_FALSE(SessionDescription::parse("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:x\ra=injected\r\n").ok());
  std::string formats = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF";
  for (size_t i = 0; i <= SessionDescription::kMaxCodecs; ++i) formats += " 96";
  EXPECT_FALSE(SessionDescription::parse(formats + "\r\n").ok());
  std::string many = "v=0\r\n";
  for (size_t i = 0; i <= SessionDescription::kMaxMedia; ++i) many += "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n";
  EXPECT_FALSE(SessionDescription::parse(many).ok());
  // A payload type the m= line does not list is ignored, not an error.
  auto sd = SessionDescription::parse("v=0\nm=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:97 VP8/90000\n");
  ASSERT_TRUE(sd.ok()) << sd.error();
  EXPECT_EQ(sd->media[0].codec(97), nullptr);
}

TEST(SessionDescription, EveryTruncationIsHandled) {
  const std::string text = readVector("chromium_whip_offer.sdp");
  for (size_t n = 0; n < text.size(); n += 7) (void)SessionDescription::parse(text.substr(0, n));
}

}  // namespace
}  // namespace airclass::media::webrtc
