// Measures a broadcast's ingest: bytes and video frames from the publisher over a sliding window of whole
// seconds (bitrate, fps). Media loop only.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace airclass::media {

class IngestMeter {
 public:
  static constexpr int kWindowS = 3;

  // `now_ms`: a monotonic or wall clock in ms (the same one for every call).
  void onFrame(int64_t now_ms, bool video, std::size_t bytes);

  double bitrateKbps(int64_t now_ms) const;  // over the last complete seconds of the window
  double fps(int64_t now_ms) const;

 private:
  struct Second {
    int64_t second = -1;
    uint64_t bytes = 0;
    uint32_t video_frames = 0;
  };
  Second& slot(int64_t second);
  template <class F>
  double average(int64_t now_ms, F value) const;

  std::array<Second, kWindowS + 1> seconds_{};  // +1: the second in progress
};

}  // namespace airclass::media
