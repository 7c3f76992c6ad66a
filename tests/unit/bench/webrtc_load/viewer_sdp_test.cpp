#include "bench/webrtc_load/viewer_sdp.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "media/webrtc/sdp_answer.hpp"
#include "media/webrtc/session_description.hpp"

namespace airclass::bench {
namespace {

using media::webrtc::SdpAnswer;
using media::webrtc::SdpAnswerSettings;
using media::webrtc::SessionDescription;

LocalDescription local(bool audio) {
  LocalDescription d;
  d.ice_ufrag = "vwr1";
  d.ice_pwd = "abcdefghijklmnopqrstuvwx";
  d.fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  d.address = "127.0.0.1";
  d.port = 40000;
  d.audio = audio;
  return d;
}

// Janus 1.1.2's streaming-plugin offer for an H.264 RTP mountpoint, as captured on this machine.
constexpr const char* kJanusOffer =
    "v=0\r\no=- 1795931645263297 1 IN IP4 192.0.2.2\r\ns=Mountpoint 1\r\nt=0 0\r\na=group:BUNDLE v\r\n"
    "a=ice-options:trickle\r\na=fingerprint:sha-256 "
    "49:39:52:AD:FE:9E:EB:4D:1B:D8:02:73:26:04:09:7D:4E:8D:57:E6:8B:2E:47:8D:12:E9:B5:A5:DD:7B:FA:B1\r\n"
    "a=extmap-allow-mixed\r\na=msid-semantic: WMS *\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 192.0.2.2\r\n"
    "a=sendonly\r\na=mid:v\r\na=rtcp-mux\r\na=ice-ufrag:v5p9\r\na=ice-pwd:gvE4gHl+yYO8WuNtQMsosE\r\n"
    "a=ice-options:trickle\r\na=setup:actpass\r\na=rtpmap:96 H264/90000\r\na=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 547333734 948953852\r\na=msid:janus janusv\r\na=ssrc:547333734 cname:janus\r\n"
    "a=ssrc:948953852 cname:janus\r\na=candidate:1 1 udp 2015363327 192.0.2.2 43088 typ host\r\n"
    "a=candidate:2 1 udp 2015363583 fd00::2 55217 typ host\r\na=end-of-candidates\r\n";

TEST(ViewerSdp, OurOfferIsAcceptedByAirClassAnswerer) {
  for (const bool audio : {false, true}) {
    const auto offer = SessionDescription::parse(makeRecvOnlyOffer(local(audio)));
    ASSERT_TRUE(offer) << offer.error();
    ASSERT_EQ(offer->media.size(), audio ? 2u : 1u);
    EXPECT_EQ(offer->media[0].setup, "active");
    EXPECT_EQ(offer->media[0].direction, media::webrtc::SdpDirection::RecvOnly);

    SdpAnswerSettings settings;
    settings.ice_ufrag = "srv1";
    settings.ice_pwd = "serverpasswordserverpass";
    settings.fingerprint_sha256 = local(false).fingerprint;
    settings.candidates = {{"1", 2130706431, "192.0.2.2", 10000, false}, {"2", 2130706430, "127.0.0.1", 10000, false}};
    settings.video_ssrc = 1234;
    settings.audio_ssrc = 5678;
    const auto answer = SdpAnswer::create(*offer, settings);
    EXPECT_FALSE(answer.media[0].rejected);
    EXPECT_EQ(answer.media[0].codec, "H264");
    if (audio) {
      EXPECT_EQ(answer.media[1].codec, "opus");
    }

    const RemoteDescription remote = parseRemoteDescription(answer.sdp);
    EXPECT_EQ(remote.ice_ufrag, "srv1");
    EXPECT_EQ(remote.ice_pwd, "serverpasswordserverpass");
    EXPECT_EQ(remote.fingerprint, settings.fingerprint_sha256);
    EXPECT_TRUE(remote.ice_lite);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &remote.candidate.sin_addr, text, sizeof text);
    EXPECT_STREQ(text, "127.0.0.1");  // loopback preferred over the first candidate
    EXPECT_EQ(ntohs(remote.candidate.sin_port), 10000);
  }
}

TEST(ViewerSdp, AnswersJanusOfferWithItsH264PayloadType) {
  const std::string answer = makeRecvOnlyAnswer(kJanusOffer, local(false));
  const auto parsed = SessionDescription::parse(answer);
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->media.size(), 1u);
  const auto& m = parsed->media[0];
  EXPECT_EQ(m.mid, "v");
  EXPECT_EQ(m.port, 9);
  ASSERT_EQ(m.codecs.size(), 1u);
  EXPECT_EQ(m.codecs[0].payload_type, 96);
  EXPECT_EQ(m.codecs[0].fmtpParameter("packetization-mode"), "1");
  EXPECT_EQ(m.direction, media::webrtc::SdpDirection::RecvOnly);
  EXPECT_EQ(m.setup, "active");
  EXPECT_EQ(parsed->bundle, std::vector<std::string>{"v"});

  const RemoteDescription remote = parseRemoteDescription(kJanusOffer);
  EXPECT_EQ(remote.ice_ufrag, "v5p9");
  EXPECT_FALSE(remote.ice_lite);
  EXPECT_EQ(ntohs(remote.candidate.sin_port), 43088);  // the IPv4 one; the IPv6 candidate is skipped
}

TEST(ViewerSdp, RefusesOffersWithoutH264AndAnswersWithoutCandidates) {
  std::string vp8 = kJanusOffer;
  vp8.replace(vp8.find("H264/90000"), 10, "VP8/90000");
  EXPECT_THROW(makeRecvOnlyAnswer(vp8, local(false)), std::runtime_error);
  std::string no_candidate = kJanusOffer;
  no_candidate.erase(no_candidate.find("a=candidate:1"), no_candidate.find("a=candidate:2") - no_candidate.find("a=candidate:1"));
  EXPECT_THROW(parseRemoteDescription(no_candidate), std::runtime_error);
  EXPECT_THROW(parseRemoteDescription("not sdp"), std::runtime_error);
}

}  // namespace
}  // namespace airclass::bench
