#include "media/ingest_meter.hpp"

namespace airclass::media {

IngestMeter::Second& IngestMeter::slot(int64_t second) {
  Second& s = seconds_[static_cast<std::size_t>(second % static_cast<int64_t>(seconds_.size()))];
  if (s.second != second) s = Second{second, 0, 0};
  return s;
}

void IngestMeter::onFrame(int64_t now_ms, bool video, std::size_t bytes) {
  Second& s = slot(now_ms / 1000);
  s.bytes += bytes;
  if (video) s.video_frames += 1;
}

template <class F>
double IngestMeter::average(int64_t now_ms, F value) const {
  const int64_t current = now_ms / 1000;
  double sum = 0;
  for (const Second& s : seconds_) {
    if (s.second >= current - kWindowS && s.second < current) sum += value(s);
  }
  return sum / kWindowS;
}

double IngestMeter::bitrateKbps(int64_t now_ms) const {
  return average(now_ms, [](const Second& s) { return static_cast<double>(s.bytes) * 8.0 / 1000.0; });
}

double IngestMeter::fps(int64_t now_ms) const {
  return average(now_ms, [](const Second& s) { return static_cast<double>(s.video_frames); });
}

}  // namespace airclass::media
