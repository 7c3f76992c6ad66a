#include "media/ingest/whip_offer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;

std::string chromiumOffer() {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/chromium_whip_offer.sdp");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A minimal publisher offer: one video section with `video_codecs` (payload type, rtpmap, fmtp) and optionally
// an audio section with `audio_codec`.
std::string offer(const std::vector<std::tuple<int, std::string, std::string>>& video_codecs,
                  const std::string& audio_codec = "111 opus/48000/2", const std::string& direction = "sendonly") {
  std::string formats;
  std::string lines;
  for (const auto& [pt, rtpmap, fmtp] : video_codecs) {
    formats += " " + std::to_string(pt);
    lines += "a=rtpmap:" + std::to_string(pt) + " " + rtpmap + "\r\n";
    if (!fmtp.empty()) lines += "a=fmtp:" + std::to_string(pt) + " " + fmtp + "\r\n";
  }
  const std::string transport =
      "c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n"
      "a=fingerprint:sha-256 AB:CD:EF\r\na=setup:actpass\r\na=rtcp-mux\r\n";
  std::string sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF" + formats + "\r\n" + transport + "a=mid:0\r\na=" + direction +
                    "\r\n" + lines;
  if (!audio_codec.empty()) {
    const std::string pt = audio_codec.substr(0, audio_codec.find(' '));
    sdp += "m=audio 9 UDP/TLS/RTP/SAVPF " + pt + "\r\n" + transport + "a=mid:1\r\na=sendonly\r\na=rtpmap:" +
           audio_codec + "\r\n";
  }
  return sdp;
}

ErrorCode codeOf(const std::string& sdp) {
  try {
    WhipOffer::check(sdp);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("whip offer"), std::string::npos) << e.what();
    return e.code();
  }
  ADD_FAILURE() << "accepted:\n" << sdp;
  return ErrorCode::Internal;
}

TEST(WhipOffer, ChromiumOfferPicksH264PacketizationMode1AndOpus) {
  const std::string sdp = chromiumOffer();
  ASSERT_FALSE(sdp.empty());
  const WhipOffer o = WhipOffer::check(sdp);
  EXPECT_EQ(o.video, WhipOffer::Video::H264);
  EXPECT_EQ(o.video_payload, 102);  // the first H.264 with packetization-mode=1 (VP8 96 comes first in the offer)
  EXPECT_EQ(o.video_mid, "0");
  EXPECT_EQ(o.audio_payload, 111);
  EXPECT_EQ(o.audio_mid, "1");
}

TEST(WhipOffer, ChromiumOfferWithoutH264FallsBackToVp8) {
  // What setCodecPreferences([VP8, ...]) leaves: drop every H.264 payload type from the m= line.
  std::string sdp = chromiumOffer();
  std::string filtered;
  std::istringstream lines(sdp);
  std::set<std::string> h264;
  for (std::string line; std::getline(lines, line);) {
    const size_t codec = line.find(" H264/");
    if (line.rfind("a=rtpmap:", 0) == 0 && codec != std::string::npos) h264.insert(line.substr(9, codec - 9));
  }
  std::istringstream again(sdp);
  for (std::string line; std::getline(again, line);) {
    if (line.rfind("m=video", 0) == 0) {
      std::string out;
      std::istringstream words(line);
      for (std::string w; words >> w;) {
        if (!h264.count(w)) out += (out.empty() ? "" : " ") + w;
      }
      line = out + "\r";
    }
    filtered += line + "\n";
  }
  const WhipOffer o = WhipOffer::check(filtered);
  EXPECT_EQ(o.video, WhipOffer::Video::VP8);
  EXPECT_EQ(o.video_payload, 96);
}

TEST(WhipOffer, KeepsEverySectionsMidAndIceCredentialsForTrickledCandidates) {
  // Chromium's offer as a trickling client POSTs it: no a=candidate line (they come later, by PATCH).
  const std::string sdp = chromiumOffer();
  ASSERT_EQ(sdp.find("a=candidate:"), std::string::npos);
  const WhipOffer o = WhipOffer::check(sdp);
  ASSERT_EQ(o.sections.size(), 2u);
  EXPECT_EQ(o.sections[0].mid, "0");
  EXPECT_EQ(o.sections[0].ice_ufrag, "wiYw");
  EXPECT_EQ(o.sections[0].ice_pwd, "wJPgsNYI3gogb9+754ShecJd");
  EXPECT_EQ(o.sections[1].mid, "1");
  // With candidates in it (a client that gathered first), the same.
  std::string gathered = sdp;
  gathered.insert(gathered.find("a=mid:0"), "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n");
  EXPECT_EQ(WhipOffer::check(gathered).sections.size(), 2u);
}

TEST(WhipOffer, PrefersH264OverVp8WhateverTheOrder) {
  const WhipOffer o = WhipOffer::check(offer({{96, "VP8/90000", ""},
                                              {100, "H264/90000", "packetization-mode=1;profile-level-id=64001f"}}));
  EXPECT_EQ(o.video, WhipOffer::Video::H264);
  EXPECT_EQ(o.video_payload, 100);
}

TEST(WhipOffer, AudioIsOptional) {
  const WhipOffer o = WhipOffer::check(offer({{96, "VP8/90000", ""}}, ""));
  EXPECT_EQ(o.video, WhipOffer::Video::VP8);
  EXPECT_EQ(o.audio_payload, -1);
}

TEST(WhipOffer, RefusesCodecsWeCannotTake) {
  EXPECT_EQ(codeOf(offer({{98, "VP9/90000", ""}, {45, "AV1/90000", ""}})), ErrorCode::Unsupported);
  // H.264 single NAL mode only, and High 4:4:4 (not 8-bit 4:2:0).
  EXPECT_EQ(codeOf(offer({{104, "H264/90000", "packetization-mode=0;profile-level-id=42001f"},
                          {116, "H264/90000", "packetization-mode=1;profile-level-id=f4001f"}})),
            ErrorCode::Unsupported);
  EXPECT_EQ(codeOf(offer({{96, "VP8/90000", ""}}, "0 PCMU/8000")), ErrorCode::Unsupported);
}

TEST(WhipOffer, RefusesMalformedOrEmptyOffers) {
  EXPECT_EQ(codeOf(""), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf("hello"), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf(offer({{96, "VP8/90000", ""}}, "", "recvonly")), ErrorCode::BadRequest);  // a WHEP offer
  std::string no_ice = offer({{96, "VP8/90000", ""}}, "");
  const size_t pwd = no_ice.find("a=ice-pwd:");
  no_ice.erase(pwd, no_ice.find("\r\n", pwd) + 2 - pwd);
  EXPECT_EQ(codeOf(no_ice), ErrorCode::BadRequest);
  // Two video sections to publish.
  const std::string one = offer({{96, "VP8/90000", ""}}, "");
  const std::string video = one.substr(one.find("m=video"));
  std::string second = video;
  second.replace(second.find("a=mid:0"), 7, "a=mid:2");
  EXPECT_EQ(codeOf(one + second), ErrorCode::BadRequest);
}

}  // namespace
}  // namespace airclass::media::ingest
