#include "signaling/audience.hpp"

namespace airclass::signaling {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;

}  // namespace

void Audience::update(const std::string& name, Series& s, int64_t now, uint64_t session_id, int viewers) {
  s.seconds.push_back(Sample{now, viewers});
  while (s.seconds.size() > kSecondSamples) s.seconds.pop_front();

  const int64_t minute = now / kMinuteMs * kMinuteMs;
  if (s.minute_ms != minute) {
    if (s.minute_ms >= 0) minutes_.push_back(MinuteSample{name, s.minute_ms, s.minute_max});
    s.minute_ms = minute;
    s.minute_max = viewers;
  } else if (viewers > s.minute_max) {
    s.minute_max = viewers;
  }

  const int64_t day = now / kDayMs;
  if (s.day != day || viewers > s.day_peak.viewers) {
    s.day = day;
    s.day_peak = Peak{viewers, now};
  }

  if (session_id != s.session_id) {
    s.session_id = session_id;
    s.session = session_id ? Peak{viewers, now} : Peak{};
  } else if (session_id && viewers > s.session.viewers) {
    s.session = Peak{viewers, now};
  }
}

void Audience::record(int64_t now_ms, const std::vector<RoomInput>& rooms) {
  ++records_;
  int total = 0;
  for (const RoomInput& in : rooms) {
    auto it = rooms_.find(in.room);
    if (it == rooms_.end()) it = rooms_.emplace(std::string(in.room), Series{}).first;
    it->second.recorded = records_;
    update(it->first, it->second, now_ms, in.session_id, in.viewers);
    total += in.viewers;
  }
  for (auto it = rooms_.begin(); it != rooms_.end();) {  // rooms no longer listed: keep their last minute
    if (it->second.recorded == records_) {
      ++it;
      continue;
    }
    const Series& gone = it->second;
    if (gone.minute_ms >= 0) minutes_.push_back(MinuteSample{it->first, gone.minute_ms, gone.minute_max});
    it = rooms_.erase(it);
  }
  update("", total_, now_ms, 0, total);
}

const Audience::Series* Audience::find(std::string_view room) const {
  if (room.empty()) return &total_;
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : &it->second;
}

Audience::Peak Audience::sessionPeak(std::string_view room) const {
  const Series* s = find(room);
  return s ? s->session : Peak{};
}

Audience::Peak Audience::dayPeak(std::string_view room) const {
  const Series* s = find(room);
  return s ? s->day_peak : Peak{};
}

std::vector<Audience::Sample> Audience::recent(std::string_view room, int64_t since_ms) const {
  std::vector<Sample> out;
  const Series* s = find(room);
  if (!s) return out;
  for (const Sample& sample : s->seconds) {
    if (sample.t_ms >= since_ms) out.push_back(sample);
  }
  return out;
}

std::vector<Audience::MinuteSample> Audience::takeMinutes() {
  std::vector<MinuteSample> out;
  out.swap(minutes_);
  return out;
}

}  // namespace airclass::signaling
