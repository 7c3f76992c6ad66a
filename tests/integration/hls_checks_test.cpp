// The integration tests' own M3U8 reader, checked on literal playlists (so a harness bug cannot pass for a server
// bug). No server needed.
#include <gtest/gtest.h>

#include "tests/integration/hls_checks.hpp"

namespace airclass::test {
namespace {

TEST(HlsChecks, ReadsMasterPlaylist) {
  const auto m = parseMaster(
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\","
      "URI=\"audio/index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=2900000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"aud\"\n"
      "source/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\",AUDIO=\"aud\"\r\n"
      "360p/index.m3u8\r\n");
  ASSERT_TRUE(m.valid);
  ASSERT_EQ(m.variants.size(), 2U);
  auto a = m.variants[0].attrs;
  EXPECT_EQ(a["CODECS"], "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(a["RESOLUTION"], "1280x720");
  EXPECT_EQ(a["AUDIO"], "aud");
  EXPECT_EQ(renditionOf(m.variants[1].uri), "360p");
  ASSERT_EQ(m.media.size(), 1U);
  auto media = m.media[0];
  EXPECT_EQ(media["URI"], "audio/index.m3u8");
  EXPECT_EQ(media["CHANNELS"], "2");
}

TEST(HlsChecks, ReadsLowLatencyMediaPlaylist) {
  const auto p = parseMedia(
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-PART-INF:PART-TARGET=0.333\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0\n"
      "#EXT-X-MEDIA-SEQUENCE:41\n"
      "#EXT-X-MAP:URI=\"init-0.mp4\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00.000Z\n"
      "#EXTINF:1.000,\n"
      "seg-41.m4s\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part-42.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part-42.1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.334,URI=\"part-42.2.m4s\"\n"
      "#EXTINF:1.000,\n"
      "seg-42.m4s\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part-43.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-43.1.m4s\"\n");
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.version, 9);
  EXPECT_EQ(p.media_sequence, 41);
  EXPECT_EQ(p.map_uri, "init-0.mp4");
  ASSERT_TRUE(p.part_target.has_value());
  EXPECT_DOUBLE_EQ(*p.part_target, 0.333);
  ASSERT_EQ(p.segments.size(), 2U);
  EXPECT_EQ(p.segments[1].msn, 42);
  EXPECT_TRUE(p.segments[0].has_pdt);
  EXPECT_FALSE(p.segments[1].has_pdt);
  ASSERT_EQ(p.segments[1].parts.size(), 3U);
  EXPECT_TRUE(p.segments[1].parts[0].independent);
  EXPECT_FALSE(p.segments[1].parts[1].independent);
  ASSERT_EQ(p.pending_parts.size(), 1U);
  EXPECT_EQ(p.pending_parts[0].uri, "part-43.0.m4s");
  EXPECT_EQ(p.nextMsn(), 43);
  auto hint = *p.preload_hint;
  EXPECT_EQ(hint["URI"], "part-43.1.m4s");
  EXPECT_FALSE(p.endlist);
}

TEST(HlsChecks, ResolvesUris) {
  EXPECT_EQ(resolveUrl("http://h:1/hls/r/index.m3u8", "360p/index.m3u8"), "http://h:1/hls/r/360p/index.m3u8");
  EXPECT_EQ(resolveUrl("http://h:1/hls/r/360p/index.m3u8?_HLS_msn=3", "seg-3.m4s"), "http://h:1/hls/r/360p/seg-3.m4s");
  EXPECT_EQ(resolveUrl("http://h:1/hls/r/index.m3u8", "/x/y.m3u8"), "http://h:1/x/y.m3u8");
}

TEST(HlsChecks, FreePortsAreDistinctAndBindable) {
  const auto ports = freePorts(4);
  ASSERT_EQ(ports.size(), 4U);
  for (size_t i = 0; i < ports.size(); ++i) {
    for (size_t j = i + 1; j < ports.size(); ++j) EXPECT_NE(ports[i], ports[j]);
    Fd udp(::socket(AF_INET, SOCK_DGRAM, 0));
    EXPECT_TRUE(bindLoopback(udp.get(), static_cast<uint16_t>(ports[i])));
  }
}

}  // namespace
}  // namespace airclass::test
