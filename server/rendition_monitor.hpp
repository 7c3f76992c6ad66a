// Watches each room's HLS renditions in the HlsStore to tell whether the transcoder keeps up: the real-time
// factor (seconds of media packaged per second of wall clock, over the last few seconds; 1.0 = keeping up)
// and health (the rendition grew within the last 2 s). HTTP thread (the store is any-thread).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "media/hls/hls_store.hpp"

namespace airclass::server {

class RenditionMonitor {
 public:
  struct Health {
    double realtime = 0;  // media seconds per wall second
    bool healthy = false;
  };

  explicit RenditionMonitor(const media::hls::HlsStore& store) : store_(store) {}

  // Once a second.
  void sample(int64_t now_ms);
  // (room, rendition) -> health as of the last sample; video and audio renditions.
  const std::map<std::pair<std::string, std::string>, Health>& health() const { return health_; }

 private:
  struct Track {
    std::deque<std::pair<int64_t, double>> points;  // (wall ms, media end s)
    double media_end_s = -1;
    int64_t grew_ms = 0;
  };
  const media::hls::HlsStore& store_;
  std::map<std::pair<std::string, std::string>, Track> tracks_;
  std::map<std::pair<std::string, std::string>, Health> health_;
};

}  // namespace airclass::server
