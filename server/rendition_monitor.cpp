#include "server/rendition_monitor.hpp"

namespace airclass::server {
namespace {

constexpr size_t kWindow = 5;           // samples (seconds) behind the real-time factor
constexpr int64_t kStalledMs = 2000;    // no growth for this long: unhealthy

// Media time at the end of what is packaged: MSN-independent, so a sliding window does not disturb it.
double mediaEnd(const media::hls::RenditionSnapshot& r) {
  if (r.segments.empty()) return 0;
  const auto& last = r.segments.back();
  double end = static_cast<double>(last.program_date_ms) / 1000.0;
  for (const auto& part : last.parts) end += part.duration_s;
  return end;
}

}  // namespace

void RenditionMonitor::sample(int64_t now_ms) {
  std::map<std::pair<std::string, std::string>, Track> next;
  health_.clear();
  for (const std::string& room : store_.rooms()) {
    const auto snapshot = store_.room(room);
    if (!snapshot) continue;
    for (const auto& [name, rendition] : snapshot->renditions) {
      if (!rendition) continue;
      const auto key = std::make_pair(room, name);
      auto old = tracks_.find(key);
      Track t = old == tracks_.end() ? Track{} : std::move(old->second);
      const double end = mediaEnd(*rendition);
      if (end > t.media_end_s) {
        t.media_end_s = end;
        t.grew_ms = now_ms;
      }
      t.points.emplace_back(now_ms, t.media_end_s);
      while (t.points.size() > kWindow) t.points.pop_front();
      Health h;
      const auto& [t0, m0] = t.points.front();
      if (now_ms > t0) h.realtime = (t.media_end_s - m0) * 1000.0 / static_cast<double>(now_ms - t0);
      h.healthy = !rendition->ended && now_ms - t.grew_ms <= kStalledMs;
      health_[key] = h;
      next.emplace(key, std::move(t));
    }
  }
  tracks_.swap(next);
}

}  // namespace airclass::server
