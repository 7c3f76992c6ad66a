#include "media/hls/master_playlist.hpp"

#include <gtest/gtest.h>

namespace airclass::media::hls {
namespace {

TEST(MasterPlaylist, ListsVariantsByBandwidthAscendingWithSharedAudio) {
  std::vector<VariantInfo> variants(3);
  variants[0] = {"source", 4'500'000, 1920, 1080, 30, "avc1.640028,mp4a.40.2"};
  variants[1] = {"360p", 800'000, 640, 360, 0, "avc1.64001e,mp4a.40.2"};
  variants[2] = {"720p", 2'600'000, 1280, 720, 29.97, "avc1.64001f,mp4a.40.2"};
  const std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:6\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio/index.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",AUDIO=\"aud\"\n"
      "360p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=2600000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\","
      "FRAME-RATE=29.970,AUDIO=\"aud\"\n"
      "720p/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=4500000,RESOLUTION=1920x1080,CODECS=\"avc1.640028,mp4a.40.2\","
      "FRAME-RATE=30.000,AUDIO=\"aud\"\n"
      "source/index.m3u8\n";
  EXPECT_EQ(renderMaster(variants, AudioInfo{}), expected);
}

TEST(MasterPlaylist, UnknownFieldsAreLeftOut) {
  VariantInfo v;
  v.name = "source";
  v.bandwidth_bps = 1000;
  AudioInfo audio;
  audio.name = "aac";
  const std::string out = renderMaster({v}, audio);
  EXPECT_NE(out.find("URI=\"aac/index.m3u8\""), std::string::npos);
  EXPECT_NE(out.find("#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO=\"aud\"\nsource/index.m3u8\n"), std::string::npos);
}

}  // namespace
}  // namespace airclass::media::hls
