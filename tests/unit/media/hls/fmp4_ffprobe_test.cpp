// The CMAF output checked by the real ffprobe/ffmpeg: H.264 and AAC from libx264 / ffmpeg's AAC encoder (read
// from an FLV, as RTMP delivers them), packaged, written to a temp dir, then probed as MP4 and as HLS.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "media/hls/fmp4_writer.hpp"
#include "media/hls/hls_store.hpp"
#include "media/hls/master_playlist.hpp"
#include "media/hls/media_playlist.hpp"
#include "media/hls/rendition_packager.hpp"
#include "tests/unit/media/hls/flv_reader.hpp"

namespace airclass::media::hls {
namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

// "key=value" lines of ffprobe's default writer with nw=1.
std::map<std::string, std::string> probe(const std::string& args) {
  std::map<std::string, std::string> values;
  const std::string out = run("ffprobe -v error " + args + " -of default=nw=1 2>&1");
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    const std::string line = out.substr(pos, nl - pos);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) {
      values.emplace(line.substr(0, eq), line.substr(eq + 1));
    } else if (!line.empty()) {
      values["error"] += line + "\n";
    }
    pos = nl + 1;
  }
  return values;
}

void writeFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

class Fmp4FfprobeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0 || std::system("ffprobe -version >/dev/null 2>&1") != 0) {
      return;
    }
    std::string templ = (fs::temp_directory_path() / "airclass-hls-XXXXXX").string();
    if (!mkdtemp(templ.data())) return;
    dir_ = new fs::path(templ);
    // 4 s of 1280x720 at 30 fps (a keyframe every second, B-frames on) and 48 kHz stereo AAC.
    const std::string flv = (*dir_ / "in.flv").string();
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000"
        " -t 4 -c:v libx264 -preset veryfast -bf 2 -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p"
        " -c:a aac -ac 2 -f flv " + flv;
    if (std::system(cmd.c_str()) != 0) return;
    contents_ = new test::FlvContents(test::readFlv(flv));
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    delete contents_;
    dir_ = nullptr;
    contents_ = nullptr;
  }
  void SetUp() override {
    if (!contents_) GTEST_SKIP() << "ffmpeg/ffprobe not available";
    ASSERT_EQ(contents_->video_frames.size(), 120u);
    ASSERT_FALSE(contents_->video.avcc.empty());
    ASSERT_FALSE(contents_->audio.asc.empty());
  }

  // Packages the whole file into `store` as room "r": renditions "720p" and "audio".
  static void packageAll(HlsStore& store, HlsSettings settings) {
    RenditionPackager video(store, "r", "720p", TrackKind::Video, settings);
    RenditionPackager audio(store, "r", "audio", TrackKind::Audio, settings);
    video.setVideoConfig(contents_->video);
    audio.setAudioConfig(contents_->audio);
    for (const auto& f : contents_->video_frames) video.push(f);
    for (const auto& f : contents_->audio_frames) audio.push(f);
    video.finish();
    audio.finish();
  }

  // Writes a rendition's playlist, init segments, segments and parts under dir/name.
  static void writeRendition(const fs::path& dir, const RenditionSnapshot& r) {
    fs::create_directories(dir / r.name);
    writeFile(dir / r.name / "index.m3u8", *r.playlist);
    for (const auto& [id, blob] : r.inits) writeFile(dir / r.name / initName(id), *blob);
    for (const auto& seg : r.segments) {
      if (seg.data) writeFile(dir / r.name / segmentName(seg.msn), *seg.data);
      for (size_t i = 0; i < seg.parts.size(); ++i) {
        writeFile(dir / r.name / partName(seg.msn, static_cast<int>(i)), *seg.parts[i].data);
      }
    }
  }

  static fs::path* dir_;
  static test::FlvContents* contents_;
};

fs::path* Fmp4FfprobeTest::dir_ = nullptr;
test::FlvContents* Fmp4FfprobeTest::contents_ = nullptr;

TEST_F(Fmp4FfprobeTest, InitPlusSegmentIsAValidMp4) {
  HlsStore store;
  packageAll(store, HlsSettings{});
  auto room = store.room("r");
  ASSERT_TRUE(room);
  const auto& video = *room->renditions.at("720p");
  ASSERT_EQ(video.segments.size(), 4u);
  ASSERT_TRUE(video.segments[1].data);

  const fs::path file = *dir_ / "one.mp4";
  writeFile(file, *video.inits.at(0) + *video.segments[1].data);
  auto v = probe("-count_frames -select_streams v:0 -show_entries stream=codec_name,profile,width,height,"
                 "nb_read_frames,time_base:format=start_time,duration " + file.string());
  EXPECT_EQ(v["error"], "");
  EXPECT_EQ(v["codec_name"], "h264");
  EXPECT_EQ(v["width"], "1280");
  EXPECT_EQ(v["height"], "720");
  EXPECT_EQ(v["time_base"], "1/90000");
  EXPECT_EQ(v["nb_read_frames"], "30");
  // tfdt carries the broadcast timeline: the second segment starts at 1 s (plus the B-frame delay).
  EXPECT_NEAR(std::stod(v["start_time"].empty() ? "0" : v["start_time"]), 1.0, 0.1);
  EXPECT_NEAR(std::stod(v["duration"].empty() ? "0" : v["duration"]), 2.0, 0.1);

  // A single part decodes on its own when it starts with the keyframe.
  const fs::path part = *dir_ / "part.mp4";
  writeFile(part, *video.inits.at(0) + *video.segments[2].parts[0].data);
  auto p = probe("-count_frames -select_streams v:0 -show_entries stream=nb_read_frames " + part.string());
  EXPECT_EQ(p["error"], "");
  EXPECT_EQ(p["nb_read_frames"], "10");

  const auto& audio = *room->renditions.at("audio");
  const fs::path afile = *dir_ / "audio.mp4";
  writeFile(afile, *audio.inits.at(0) + *audio.segments[0].data);
  auto a = probe("-count_frames -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels,"
                 "nb_read_frames " + afile.string());
  EXPECT_EQ(a["error"], "");
  EXPECT_EQ(a["codec_name"], "aac");
  EXPECT_EQ(a["sample_rate"], "48000");
  EXPECT_EQ(a["channels"], "2");
  // As many 1024-sample frames as the segment lasts.
  EXPECT_NEAR(std::stoi(a["nb_read_frames"].empty() ? "0" : a["nb_read_frames"]),
              audio.segments[0].duration_s * 48000 / 1024, 1.0);
}

TEST_F(Fmp4FfprobeTest, HlsPlaylistsPlayThrough) {
  HlsStore store;
  packageAll(store, HlsSettings{});
  auto room = store.room("r");
  ASSERT_TRUE(room);
  const fs::path hls = *dir_ / "hls";
  for (const auto& [name, r] : room->renditions) writeRendition(hls, *r);
  VariantInfo variant;
  variant.name = "720p";
  variant.bandwidth_bps = 3'000'000;
  variant.width = 1280;
  variant.height = 720;
  variant.frame_rate = 30;
  variant.codecs = "avc1.64001f,mp4a.40.2";
  writeFile(hls / "index.m3u8", renderMaster({variant}, AudioInfo{}));
  if (const char* keep = std::getenv("AIRCLASS_HLS_TEST_KEEP")) {  // for manual checks with other players
    fs::copy(hls, keep, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }

  auto v = probe("-count_frames -show_entries stream=codec_name,width,height,nb_read_frames:format=duration " +
                 (hls / "720p" / "index.m3u8").string());
  EXPECT_EQ(v["error"], "");
  EXPECT_EQ(v["codec_name"], "h264");
  EXPECT_EQ(v["width"], "1280");
  EXPECT_EQ(v["nb_read_frames"], "120");
  EXPECT_NEAR(std::stod(v["duration"].empty() ? "0" : v["duration"]), 4.0, 0.1);

  auto a = probe("-count_frames -show_entries stream=codec_name,nb_read_frames " +
                 (hls / "audio" / "index.m3u8").string());
  EXPECT_EQ(a["error"], "");
  EXPECT_EQ(a["codec_name"], "aac");
  EXPECT_EQ(std::stoi(a["nb_read_frames"].empty() ? "0" : a["nb_read_frames"]),
            static_cast<int>(contents_->audio_frames.size()));

  // The master playlist: both renditions, decoded end to end by ffmpeg without a single error.
  const std::string master = (hls / "index.m3u8").string();
  auto m = probe("-show_entries stream=codec_type,codec_name " + master);
  EXPECT_EQ(m["error"], "");
  const std::string decode = run("ffmpeg -v warning -i " + master + " -map 0 -f null - 2>&1");
  EXPECT_EQ(decode, "");
  const std::string streams = run("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 " + master);
  EXPECT_NE(streams.find("h264"), std::string::npos) << streams;
  EXPECT_NE(streams.find("aac"), std::string::npos) << streams;
}

}  // namespace
}  // namespace airclass::media::hls
