// The server's half of the admin update at scale (docs/BENCHMARKS.md): what AdminBackend::tick does once a second
// on the HTTP thread before signaling counts — take the HLS viewer ids from the tracker (expiry + grouping by
// room), build the MediaFeed from the room list, those ids and the WebRTC fan-out's snapshot, and wrap it for
// the hand-over. R rooms with a 4-rung ladder, V viewers (half HLS with a vid, half WebRTC sessions).
// Usage: admin_feed_bench [rooms=1000] [viewers=100000] [ticks=30]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/hls_viewer_tracker.hpp"
#include "server/media_feed_builder.hpp"

using namespace airclass;

namespace {

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const int rooms = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int viewers = argc > 2 ? std::atoi(argv[2]) : 100000;
  const int ticks = argc > 3 ? std::atoi(argv[3]) : 30;
  const int per_room = viewers / rooms;

  media::RoomList list;
  media::webrtc::FanoutSnapshot webrtc;
  std::map<std::pair<std::string, std::string>, server::RenditionMonitor::Health> health;
  server::HlsViewerTracker tracker(std::chrono::hours(1));  // the players asked once, before the ticks
  std::vector<std::pair<std::string, std::string>> playlists;  // (path, query) of every HLS player
  for (int r = 0; r < rooms; ++r) {
    char name[32];
    std::snprintf(name, sizeof name, "school-room-%04d", r);
    media::RoomSummary s;
    s.room = name;
    s.live = true;
    s.protocol = "rtmp";
    s.teacher = "Teacher " + std::to_string(r);
    s.started_at_ms = 1'795'000'000'000;
    s.ingest_kbps = 2500;
    s.ingest_fps = 30;
    for (const char* rung : {"source", "720p", "480p", "360p"}) {
      s.renditions.push_back(media::RenditionSummary{rung, 1280, 720});
      health[{name, rung}] = server::RenditionMonitor::Health{1.0, true};
    }
    list.push_back(std::move(s));
    for (int i = 0; i < per_room; ++i) {
      const std::string sub = "student-" + std::to_string(r) + "-" + std::to_string(i);
      if (i % 2) {
        media::webrtc::ViewerStats v;
        v.session_id = "session-" + sub;
        v.room = name;
        v.viewer_id = sub;
        v.rendition = "720p";
        v.connected = true;
        webrtc.viewers.push_back(std::move(v));
      } else {
        playlists.emplace_back(std::string("/hls/") + name + "/720p/index.m3u8", "vid=" + sub + "&_HLS_msn=1");
      }
    }
  }

  std::vector<double> cpu, cpu_ids;
  size_t ids = 0;
  int64_t now = 1'000'000;
  for (const auto& [path, query] : playlists) tracker.onRequest(path, query, 200, now);
  for (int t = 0; t < ticks; ++t) {
    now += 1000;
    const double c0 = threadCpuMs();
    auto hls = tracker.viewers(now);
    const double c1 = threadCpuMs();
    auto feed =
        std::make_shared<const signaling::MediaFeed>(server::buildMediaFeed(&list, std::move(hls), &webrtc, health));
    const double c2 = threadCpuMs();
    cpu.push_back(c2 - c0);
    cpu_ids.push_back(c1 - c0);
    ids = 0;
    for (const auto& room : feed->rooms) ids += room.webrtc.size() + room.hls.size();
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(cpu_ids.begin(), cpu_ids.end());
  std::printf("feed build, %d rooms, %zu player ids: cpu ms median %.2f max %.2f (HLS ids alone: median %.2f)\n",
              rooms, ids, cpu[cpu.size() / 2], cpu.back(), cpu_ids[cpu_ids.size() / 2]);
  return 0;
}
