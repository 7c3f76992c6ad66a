#include "media/hls/hls_request.hpp"

#include <gtest/gtest.h>

namespace airclass::media::hls {
namespace {

TEST(HlsRequest, ParsesEveryResource) {
  auto r = parseHlsRequest("/hls/room-1/index.m3u8", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.request.kind, HlsRequest::Kind::Master);
  EXPECT_EQ(r.request.room, "room-1");

  r = parseHlsRequest("/hls/room_1/720p/index.m3u8", "_HLS_msn=12&_HLS_part=3&_HLS_skip=YES");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.request.kind, HlsRequest::Kind::MediaPlaylist);
  EXPECT_EQ(r.request.rendition, "720p");
  EXPECT_EQ(r.request.block_msn, 12u);
  EXPECT_EQ(r.request.block_part, 3);

  r = parseHlsRequest("/hls/a/audio/init-2.mp4", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.request.kind, HlsRequest::Kind::Init);
  EXPECT_EQ(r.request.init_id, 2);

  r = parseHlsRequest("/hls/a/v/seg-1234567.m4s", "_HLS_msn=3");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.request.kind, HlsRequest::Kind::Segment);
  EXPECT_EQ(r.request.msn, 1234567u);
  EXPECT_FALSE(r.request.block_msn);  // only playlists block

  r = parseHlsRequest("/hls/a/v/part-7.0.m4s", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.request.kind, HlsRequest::Kind::Part);
  EXPECT_EQ(r.request.msn, 7u);
  EXPECT_EQ(r.request.part, 0);
}

TEST(HlsRequest, RejectsMalformedRequests) {
  EXPECT_EQ(parseHlsRequest("/other/a/index.m3u8", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/c/index.m3u8", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/other.txt", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/seg-.m4s", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/seg-01.m4s", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/seg-99999999999999999999.m4s", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/part-1.m4s", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/part-1.x.m4s", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/init--1.mp4", "").status, 404);
  EXPECT_EQ(parseHlsRequest("/hls/../index.m3u8", "").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a.b/index.m3u8", "").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls//index.m3u8", "").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/" + std::string(65, 'a') + "/index.m3u8", "").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/" + std::string(64, 'a') + "/index.m3u8", "").status, 200);
  EXPECT_EQ(parseHlsRequest("/hls/a/b%20c/index.m3u8", "").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", "_HLS_msn=x").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", "_HLS_msn=-1").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", "_HLS_msn=").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", "_HLS_part=1").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", "_HLS_msn=1&_HLS_part=99999999").status, 400);
  EXPECT_EQ(parseHlsRequest("/hls/a/b/index.m3u8", std::string(600, 'a')).status, 400);
}

}  // namespace
}  // namespace airclass::media::hls
