// The admin update at scale (docs/BENCHMARKS.md): drives signaling::AdminStats directly with synthetic rooms —
// no sockets — the way ClassroomService does once a second: R rooms, V viewers in total, each student present
// over signaling and as a media player (half WebRTC, half HLS, with some players that have no page), a live
// ingest per room with 4 renditions. Reports the size of the full snapshot (sent on subscribe) and of the
// per-second delta event, and the CPU time of one tick (count + de-duplicate + record + encode).
// Usage: admin_stats_bench [rooms=1000] [viewers=100000] [ticks=30]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "signaling/admin_stats.hpp"
#include "signaling/signaling_store.hpp"

using namespace airclass::signaling;

namespace {

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct World {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> students;  // per room: the subs present over signaling
  MediaFeed feed;
};

World makeWorld(int rooms, int viewers) {
  World w;
  const int per_room = viewers / rooms;
  for (int r = 0; r < rooms; ++r) {
    char name[32];
    std::snprintf(name, sizeof name, "school-room-%04d", r);
    w.names.push_back(name);
    std::vector<std::string> subs;
    MediaFeed::Room m;
    m.room = name;
    m.broadcast = m.live = true;
    m.protocol = "rtmp";
    m.teacher = "Teacher " + std::to_string(r);
    m.started_ms = 1'795'000'000'000;
    m.bitrate_kbps = 2500;
    m.fps = 30;
    m.renditions = {{"source", 1280, 720, 30, 1.0, true}, {"720p", 1280, 720, 30, 1.0, true},
                    {"480p", 854, 480, 30, 1.0, true}, {"360p", 640, 360, 30, 1.0, true}};
    for (int i = 0; i < per_room; ++i) {
      std::string sub = "student-" + std::to_string(r) + "-" + std::to_string(i);
      if (i % 10 != 0) subs.push_back(sub);  // 1 in 10 plays without a page (HLS/WebRTC only)
      (i % 2 ? m.webrtc : m.hls).push_back(sub);
    }
    w.students.push_back(std::move(subs));
    w.feed.rooms.push_back(std::move(m));
  }
  return w;
}

std::vector<MemberRoom> members(const World& w) {
  std::vector<MemberRoom> out;
  out.reserve(w.names.size());
  for (size_t r = 0; r < w.names.size(); ++r) {
    MemberRoom m{w.names[r], true, r + 1, {1, static_cast<int>(w.students[r].size()), 0}, true, {}, {}};
    m.students.assign(w.students[r].begin(), w.students[r].end());
    out.push_back(std::move(m));
  }
  return out;
}

struct Result {
  double cpu_ms_median = 0, cpu_ms_max = 0;
  size_t bytes_median = 0, bytes_max = 0;
};

// `churn(world, tick)` changes the world before each tick.
template <class Churn>
Result run(AdminStats& stats, World& w, int64_t& now, int ticks, Churn churn) {
  std::vector<double> cpu;
  std::vector<size_t> bytes;
  for (int t = 0; t < ticks; ++t) {
    churn(w, t);
    now += 1000;
    auto feed = std::make_shared<const MediaFeed>(w.feed);  // built by the server (media_feed_builder), untimed
    const double c0 = threadCpuMs();
    stats.setMediaFeed(std::move(feed));  // handed over, not copied
    const auto frame = stats.tick(now, members(w));
    cpu.push_back(threadCpuMs() - c0);
    bytes.push_back(frame->size());
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(bytes.begin(), bytes.end());
  return Result{cpu[cpu.size() / 2], cpu.back(), bytes[bytes.size() / 2], bytes.back()};
}

void print(const char* what, const Result& r) {
  std::printf("%-44s delta bytes median %7zu max %7zu | tick cpu ms median %6.2f max %6.2f\n", what,
              r.bytes_median, r.bytes_max, r.cpu_ms_median, r.cpu_ms_max);
}

}  // namespace

int main(int argc, char** argv) {
  const int rooms = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int viewers = argc > 2 ? std::atoi(argv[2]) : 100000;
  const int ticks = argc > 3 ? std::atoi(argv[3]) : 30;
  const auto db = std::filesystem::temp_directory_path() / ("admin-bench-" + std::to_string(::getpid()) + ".db");
  {
    SignalingStore store(db.string());
    AdminStats stats(store);
    World w = makeWorld(rooms, viewers);
    int64_t now = 1'800'000'000'000;
    std::mt19937 rng(7);

    print("first tick (every room new)", run(stats, w, now, 1, [](World&, int) {}));
    const double c0 = threadCpuMs();
    const auto full = stats.snapshot("1");
    std::printf("%-44s bytes %zu, encode cpu ms %.2f\n", "full snapshot (on subscribe)", full->size(),
                threadCpuMs() - c0);
    print("steady (nothing changes)", run(stats, w, now, ticks, [](World&, int) {}));
    print("1% of viewers leave or join each second", run(stats, w, now, ticks, [&](World& world, int t) {
            for (int i = 0; i < viewers / 100; ++i) {
              auto& subs = world.students[rng() % world.students.size()];
              if (t % 2 == 0 && !subs.empty()) {
                subs.pop_back();
              } else {
                subs.push_back("late-" + std::to_string(t) + "-" + std::to_string(i));
              }
            }
          }));
    print("worst: every room's counts and bitrate move", run(stats, w, now, ticks, [&](World& world, int t) {
            for (size_t r = 0; r < world.students.size(); ++r) {
              auto& subs = world.students[r];
              if (t % 2 == 0) {
                subs.push_back("flip-" + std::to_string(r));
              } else {
                subs.pop_back();
              }
              world.feed.rooms[r].bitrate_kbps = t % 2 ? 2500 : 3500;
            }
          }));
    store.flush();
  }
  std::filesystem::remove(db);
  return 0;
}
