// Test helper: reads an FLV file (as ffmpeg writes it) into H.264 / AAC configurations and frames, so the
// packager tests run on real encoder output. Test-only; single thread.
#pragma once
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/encoded_frame.hpp"

namespace airclass::media::hls::test {

struct FlvContents {
  VideoConfig video;
  AudioConfig audio;
  std::vector<EncodedFrame> video_frames;
  std::vector<EncodedFrame> audio_frames;
};

inline FlvContents readFlv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FlvContents out;
  size_t p = 9 + 4;  // header, PreviousTagSize0
  while (p + 11 <= d.size()) {
    const uint8_t type = d[p];
    const size_t size = (size_t{d[p + 1]} << 16) | (size_t{d[p + 2]} << 8) | d[p + 3];
    const int64_t ts_ms = (int64_t{d[p + 7]} << 24) | (int64_t{d[p + 4]} << 16) | (int64_t{d[p + 5]} << 8) | d[p + 6];
    if (p + 11 + size > d.size()) break;
    const uint8_t* body = d.data() + p + 11;
    if (type == 9 && size > 5 && (body[0] & 0x0f) == 7) {
      int32_t cts = (int32_t{body[2]} << 16) | (int32_t{body[3]} << 8) | body[4];
      if (cts & 0x800000) cts -= 0x1000000;
      if (body[1] == 0) {
        out.video.avcc.assign(body + 5, body + size);
      } else if (body[1] == 1) {
        EncodedFrame f;
        f.kind = TrackKind::Video;
        f.dts_ns = ts_ms * 1'000'000;
        f.pts_ns = (ts_ms + cts) * 1'000'000;
        f.keyframe = (body[0] >> 4) == 1;
        f.data = std::make_shared<const Bytes>(body + 5, body + size);
        out.video_frames.push_back(std::move(f));
      }
    } else if (type == 8 && size > 2 && (body[0] >> 4) == 10) {
      if (body[1] == 0) {
        out.audio.asc.assign(body + 2, body + size);
      } else {
        EncodedFrame f;
        f.kind = TrackKind::Audio;
        f.dts_ns = f.pts_ns = ts_ms * 1'000'000;
        f.keyframe = true;
        f.data = std::make_shared<const Bytes>(body + 2, body + size);
        out.audio_frames.push_back(std::move(f));
      }
    }
    p += 11 + size + 4;
  }
  return out;
}

}  // namespace airclass::media::hls::test
