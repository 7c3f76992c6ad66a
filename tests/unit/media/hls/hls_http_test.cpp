#include "media/hls/hls_http.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "media/hls/hls_store.hpp"
#include "media/hls/rendition_packager.hpp"

namespace airclass::media::hls {
namespace {

Bytes avcc720p() {
  const std::string hex =
      "0164001fffe1001a6764001facd9405005bb0110000003001000000303c0f183196001000668ebe3cb22c0fdf8f800";
  Bytes out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

class HlsHttpTest : public ::testing::Test {
 protected:
  HlsHttpTest() : http_(store_, settings_) {
    video_ = std::make_unique<RenditionPackager>(store_, "class1", "720p", TrackKind::Video, settings_);
    VideoConfig config;
    config.avcc = avcc720p();
    video_->setVideoConfig(config);
    audio_ = std::make_unique<RenditionPackager>(store_, "class1", "audio", TrackKind::Audio, settings_);
    AudioConfig ac;
    ac.asc = {0x11, 0x90};
    audio_->setAudioConfig(ac);
    store_.publishMaster("class1", std::make_shared<const std::string>("#EXTM3U\n"));
  }

  // Video frames [from, to) at 30 fps, keyframe every 30: a part every 10 frames, a segment every 30.
  void pushVideo(int from, int to) {
    for (int i = from; i < to; ++i) {
      EncodedFrame f;
      f.kind = TrackKind::Video;
      f.dts_ns = f.pts_ns = int64_t{i} * 1'000'000'000 / 30;
      f.keyframe = i % 30 == 0;
      f.data = std::make_shared<const Bytes>(Bytes{0, 0, 0, 1, f.keyframe ? uint8_t{0x65} : uint8_t{0x41}});
      video_->push(f);
    }
  }
  HlsReply get(const std::string& path, const std::string& query = "", bool deadline = false) {
    return http_.handle(path, query, deadline);
  }

  HlsSettings settings_;
  HlsStore store_;
  HlsHttp http_;
  std::unique_ptr<RenditionPackager> video_;
  std::unique_ptr<RenditionPackager> audio_;
};

TEST_F(HlsHttpTest, ServesMasterPlaylistSegmentsAndParts) {
  pushVideo(0, 41);  // segment 0 complete, segment 1 has parts 0 and 1... (part 1 closes at frame 50)
  auto master = get("/hls/class1/index.m3u8");
  EXPECT_FALSE(master.wait);
  EXPECT_EQ(master.response.status, 200);
  EXPECT_EQ(master.response.content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(master.response.cache_control, "no-cache");
  EXPECT_EQ(*master.response.body, "#EXTM3U\n");

  auto playlist = get("/hls/class1/720p/index.m3u8");
  EXPECT_EQ(playlist.response.status, 200);
  EXPECT_EQ(playlist.response.content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(playlist.response.cache_control, "no-cache");
  EXPECT_NE(playlist.response.body->find("seg-0.m4s"), std::string::npos);

  for (const char* path : {"/hls/class1/720p/init-0.mp4", "/hls/class1/720p/seg-0.m4s",
                           "/hls/class1/720p/part-0.2.m4s", "/hls/class1/720p/part-1.0.m4s"}) {
    auto r = get(path);
    EXPECT_EQ(r.response.status, 200) << path;
    EXPECT_EQ(r.response.content_type, "video/mp4") << path;
    EXPECT_EQ(r.response.cache_control, "public, max-age=31536000, immutable") << path;
    ASSERT_TRUE(r.response.body);
    EXPECT_GT(r.response.body->size(), 8u);
  }
  EXPECT_EQ(get("/hls/class1/720p/init-0.mp4").response.body->substr(4, 4), "ftyp");
  EXPECT_EQ(get("/hls/class1/720p/seg-0.m4s").response.body->substr(4, 4), "moof");
}

TEST_F(HlsHttpTest, AudioIsServedAsAudioMp4) {
  for (int i = 0; i < 100; ++i) {
    EncodedFrame f;
    f.kind = TrackKind::Audio;
    f.dts_ns = f.pts_ns = int64_t{i} * 1024 * 1'000'000'000 / 48000;
    f.data = std::make_shared<const Bytes>(Bytes(10, 1));
    audio_->push(f);
  }
  auto r = get("/hls/class1/audio/seg-0.m4s");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.content_type, "audio/mp4");
}

TEST_F(HlsHttpTest, NotFoundAndBadRequests) {
  pushVideo(0, 41);
  EXPECT_EQ(get("/hls/nosuch/index.m3u8").response.status, 404);
  EXPECT_EQ(get("/hls/class1/1080p/index.m3u8").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/seg-99.m4s").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/seg-1.m4s").response.status, 404);  // still growing
  EXPECT_EQ(get("/hls/class1/720p/part-0.9.m4s").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/part-5.0.m4s").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/init-1.mp4").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/x.m4s").response.status, 404);
  EXPECT_EQ(get("/hls/cl@ss/index.m3u8").response.status, 400);
  auto bad = get("/hls/class1/720p/index.m3u8", "_HLS_msn=abc");
  EXPECT_EQ(bad.response.status, 400);
  // More than two segments past the last complete one (0).
  EXPECT_EQ(get("/hls/class1/720p/index.m3u8", "_HLS_msn=3").response.status, 400);
  EXPECT_TRUE(get("/hls/class1/720p/index.m3u8", "_HLS_msn=2").wait);
}

TEST_F(HlsHttpTest, BlockingReloadWaitsForThePartThenAnswers) {
  pushVideo(0, 31);  // segment 0 complete; next part announced: (1, 0)
  auto ready = get("/hls/class1/720p/index.m3u8", "_HLS_msn=0&_HLS_part=2");
  EXPECT_FALSE(ready.wait);
  EXPECT_EQ(ready.response.status, 200);
  EXPECT_EQ(ready.response.cache_control, "public, max-age=3");

  EXPECT_TRUE(get("/hls/class1/720p/index.m3u8", "_HLS_msn=1&_HLS_part=0").wait);
  EXPECT_TRUE(get("/hls/class1/720p/index.m3u8", "_HLS_msn=1").wait);
  EXPECT_TRUE(get("/hls/class1/720p/part-1.0.m4s").wait);  // the preload hint

  pushVideo(31, 41);  // part (1,0) completes and is published
  auto now = get("/hls/class1/720p/index.m3u8", "_HLS_msn=1&_HLS_part=0");
  EXPECT_FALSE(now.wait);
  EXPECT_EQ(now.response.status, 200);
  EXPECT_NE(now.response.body->find("part-1.0.m4s\",INDEPENDENT=YES"), std::string::npos);
  EXPECT_NE(now.response.body->find("PRELOAD-HINT:TYPE=PART,URI=\"part-1.1.m4s\""), std::string::npos);
  auto part = get("/hls/class1/720p/part-1.0.m4s");
  EXPECT_FALSE(part.wait);
  EXPECT_EQ(part.response.status, 200);
  EXPECT_TRUE(get("/hls/class1/720p/index.m3u8", "_HLS_msn=1").wait);  // the whole segment is not done

  pushVideo(41, 61);  // segment 1 complete
  EXPECT_FALSE(get("/hls/class1/720p/index.m3u8", "_HLS_msn=1").wait);
}

TEST_F(HlsHttpTest, DeadlineGives503) {
  pushVideo(0, 31);
  auto late = get("/hls/class1/720p/index.m3u8", "_HLS_msn=1&_HLS_part=0", true);
  EXPECT_FALSE(late.wait);
  EXPECT_EQ(late.response.status, 503);
  EXPECT_EQ(late.response.cache_control, "no-cache");
  EXPECT_EQ(get("/hls/class1/720p/part-1.0.m4s", "", true).response.status, 503);
}

TEST_F(HlsHttpTest, EndedPlaylistNeverWaits) {
  pushVideo(0, 31);
  video_->finish();
  auto r = get("/hls/class1/720p/index.m3u8", "_HLS_msn=2&_HLS_part=0");
  EXPECT_FALSE(r.wait);
  EXPECT_EQ(r.response.status, 200);
  EXPECT_NE(r.response.body->find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(get("/hls/class1/720p/part-1.0.m4s").response.status, 200);  // finish() flushed the last frame
  EXPECT_EQ(get("/hls/class1/720p/part-1.1.m4s").response.status, 404);  // no preload hint any more
}

TEST_F(HlsHttpTest, RemovedRoomIsGone) {
  pushVideo(0, 31);
  store_.removeRoom("class1");
  EXPECT_EQ(get("/hls/class1/index.m3u8").response.status, 404);
  EXPECT_EQ(get("/hls/class1/720p/seg-0.m4s").response.status, 404);
}

}  // namespace
}  // namespace airclass::media::hls
