// Test helpers for the SRT/TS ingest tests: temporary folders and real ffmpeg runs. Test thread only.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace airclass::media::ingest::testing {

// A fresh temporary folder, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "airclass-ingest-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command; its exit status (or -1 when it did not exit normally).
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
}

inline bool ffmpegHasEncoder(const std::string& encoder) {
  return run("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' " + encoder + " '") == 0;
}

// ffmpeg arguments for `seconds` of test pattern (30 fps, a keyframe each second) and a 48 kHz stereo tone.
inline std::string ffmpegSource(double seconds, const std::string& video_codec = "libx264") {
  return "-f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 "
         "-t " + std::to_string(seconds) + " -c:v " + video_codec +
         " -g 30 -keyint_min 30 -sc_threshold 0 -preset ultrafast -pix_fmt yuv420p "
         "-c:a aac -ac 2 -b:a 96k -f mpegts";
}

inline std::vector<uint8_t> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes an MPEG-TS file made by ffmpeg; empty on failure.
inline std::vector<uint8_t> makeTs(const TempDir& dir, double seconds, const std::string& video_codec) {
  const auto out = dir.path() / ("media-" + video_codec + ".ts");
  const std::string x265_quiet = video_codec == "libx265" ? " -x265-params log-level=none" : "";
  if (run("ffmpeg -nostdin -hide_banner -loglevel error -y " + ffmpegSource(seconds, video_codec) + x265_quiet +
          " '" + out.string() + "'") != 0) {
    return {};
  }
  return readFile(out);
}

}  // namespace airclass::media::ingest::testing
