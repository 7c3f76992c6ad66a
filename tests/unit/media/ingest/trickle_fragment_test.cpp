#include "media/ingest/trickle_fragment.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;

// RFC 8840 section 4.4's example fragment (an INFO body; credentials at session level, LF line ends).
constexpr const char* kRfc8840 =
    "a=ice-pwd:asd88fgpdd777uzjYhagZg\n"
    "a=ice-ufrag:8hhY\n"
    "m=audio 9 RTP/AVP 0\n"
    "a=mid:1\n"
    "a=candidate:1 1 UDP 1658497328 198.51.100.33 5000 typ host\n"
    "a=candidate:2 1 UDP 1658497328 198.51.100.33 5002 typ host\n"
    "a=end-of-candidates\n";

// RFC 9725 section 4.3.2's example: credentials in the m= section, Chromium's candidate extensions, CRLF.
constexpr const char* kRfc9725 =
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:EsAw\r\n"
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n"
    "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2\r\n"
    "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw "
    "network-id 1\r\n"
    "a=end-of-candidates\r\n";

std::string refusal(const std::string& body) {
  try {
    TrickleFragment::parse(body);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_EQ(std::string(e.what()).rfind("trickle fragment: ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << body;
  return "";
}

TEST(TrickleFragment, ParsesTheRfc8840Example) {
  const TrickleFragment f = TrickleFragment::parse(kRfc8840);
  EXPECT_EQ(f.ice_ufrag, "8hhY");
  EXPECT_EQ(f.ice_pwd, "asd88fgpdd777uzjYhagZg");
  ASSERT_EQ(f.media.size(), 1u);
  EXPECT_EQ(f.media[0].mid, "1");
  ASSERT_EQ(f.media[0].candidates.size(), 2u);
  EXPECT_EQ(f.media[0].candidates[0], "candidate:1 1 UDP 1658497328 198.51.100.33 5000 typ host");
  EXPECT_TRUE(f.media[0].end_of_candidates);
}

TEST(TrickleFragment, ParsesTheRfc9725Example) {
  const TrickleFragment f = TrickleFragment::parse(kRfc9725);
  EXPECT_EQ(f.ice_ufrag, "EsAw");
  EXPECT_EQ(f.ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  ASSERT_EQ(f.media.size(), 1u);
  EXPECT_EQ(f.media[0].mid, "0");
  ASSERT_EQ(f.media[0].candidates.size(), 3u);
  EXPECT_NE(f.media[0].candidates[2].find("tcptype active"), std::string::npos);
  EXPECT_TRUE(f.media[0].end_of_candidates);
}

TEST(TrickleFragment, CandidatesComeOneSectionAtATime) {
  // One candidate per PATCH, as a browser client sends them on icecandidate, then end-of-candidates alone.
  const std::string creds = "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n";
  TrickleFragment f = TrickleFragment::parse(
      creds + "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:v\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n");
  ASSERT_EQ(f.media.size(), 1u);
  EXPECT_EQ(f.media[0].mid, "v");
  EXPECT_FALSE(f.media[0].end_of_candidates);
  f = TrickleFragment::parse(creds + "a=end-of-candidates\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:v\r\n");
  ASSERT_EQ(f.media.size(), 1u);
  EXPECT_TRUE(f.media[0].candidates.empty());
  EXPECT_TRUE(f.media[0].end_of_candidates);  // the session-level one applies to every section
  f = TrickleFragment::parse(creds);  // credentials only: nothing to add
  EXPECT_TRUE(f.media.empty());
}

TEST(TrickleFragment, RefusesWhatIsNotAFragment) {
  const std::string creds = "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n";
  const std::string m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";
  const std::string good = "a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host\r\n";
  EXPECT_NE(refusal("").find("ice-ufrag"), std::string::npos);
  EXPECT_NE(refusal(m + good).find("ice-ufrag"), std::string::npos);
  EXPECT_NE(refusal("a=ice-ufrag:EsAw\r\n" + m + good).find("ice-pwd"), std::string::npos);
  EXPECT_NE(refusal(creds + good).find("outside an m= section"), std::string::npos);
  EXPECT_NE(refusal(creds + "m=audio 9 RTP/AVP 0\r\n" + good).find("without a=mid"), std::string::npos);
  EXPECT_NE(refusal(creds + m + "a=mid:1\r\n").find("second a=mid"), std::string::npos);
  EXPECT_NE(refusal(creds + m + m).find("two m= sections"), std::string::npos);
  EXPECT_NE(refusal(creds + "a=ice-ufrag:Other\r\n" + m).find("two different"), std::string::npos);
  EXPECT_NE(refusal("a=ice-ufrag:E$w!\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n").find("bad a=ice-ufrag"),
            std::string::npos);
  EXPECT_NE(refusal("a=ice-ufrag:EsAw\r\na=ice-pwd:short\r\n").find("bad a=ice-pwd"), std::string::npos);
  for (const char* bad : {"a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ",          // no type
                          "a=candidate:1 1 udp 2122260223 192.0.2.1 99999 typ host",     // port
                          "a=candidate:1 x udp 2122260223 192.0.2.1 61764 typ host",     // component
                          "a=candidate:1 1 udp prio 192.0.2.1 61764 typ host",           // priority
                          "a=candidate:1 1 udp 2122260223 192.0.2.1 61764 type host",    // "typ"
                          "a=candidate:1  1 udp 2122260223 192.0.2.1 61764 typ host",    // empty field
                          "a=candidate:f-1 1 udp 2122260223 192.0.2.1 61764 typ host"}) {  // foundation
    EXPECT_NE(refusal(creds + m + bad + "\r\n").find("malformed a=candidate"), std::string::npos) << bad;
  }
  EXPECT_NE(refusal(creds + m + "garbage\r\n").find("not an SDP line"), std::string::npos);
  EXPECT_NE(refusal(creds + m + "a=candidate:1 1 udp 1 192.0.2.1 1 typ host\x01\r\n").find("not an SDP line"),
            std::string::npos);
  EXPECT_NE(refusal(std::string("\0\xff\xfe", 3)).find("not an SDP line"), std::string::npos);
}

TEST(TrickleFragment, IgnoresOtherLines) {
  const TrickleFragment f = TrickleFragment::parse(
      "a=ice-options:trickle\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidates:whatever\r\na=rtcp-mux\r\n");
  ASSERT_EQ(f.media.size(), 1u);
  EXPECT_TRUE(f.media[0].candidates.empty());
}

TEST(TrickleFragment, IsBounded) {
  const std::string creds = "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n";
  const std::string m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";
  const std::string candidate = "a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host\r\n";
  EXPECT_NE(refusal(std::string(TrickleFragment::kMaxSize + 1, '\n')).find("larger than"), std::string::npos);
  EXPECT_NE(refusal(creds + m + "a=x:" + std::string(TrickleFragment::kMaxLine, 'y') + "\r\n").find("longer than"),
            std::string::npos);
  std::string many = creds + m;
  for (size_t i = 0; i < TrickleFragment::kMaxCandidates; ++i) many += candidate;
  EXPECT_EQ(TrickleFragment::parse(many).media[0].candidates.size(), TrickleFragment::kMaxCandidates);
  EXPECT_NE(refusal(many + candidate).find("more than 64 candidates"), std::string::npos);
  std::string sections = creds;
  for (size_t i = 0; i <= TrickleFragment::kMaxMedia; ++i) {
    sections += "m=audio 9 RTP/AVP 0\r\na=mid:" + std::to_string(i) + "\r\n";
  }
  EXPECT_NE(refusal(sections).find("m= sections"), std::string::npos);
  EXPECT_NE(refusal(creds + "m=audio 9 RTP/AVP 0\r\na=mid:" + std::string(257, 'm') + "\r\n").find("bad a=mid"),
            std::string::npos);
}

}  // namespace
}  // namespace airclass::media::ingest
