// The audience's history: keeps each room's (and the node's) peaks per class session and per UTC day with their time, the last
// 5 minutes of per-second samples in memory (a bounded ring) and hands out per-minute samples (the highest
// count of each minute) for the store. Pure: no I/O, time comes in. Lws service thread (owned by AdminStats).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace airclass::signaling {

class Audience {
 public:
  static constexpr size_t kSecondSamples = 300;  // 5 minutes at one sample a second

  struct Sample {
    int64_t t_ms = 0;
    int viewers = 0;
  };
  struct MinuteSample {
    std::string room;  // "" = the node's total
    int64_t minute_ms = 0;
    int viewers = 0;  // the highest count seen in that minute
  };
  struct Peak {
    int viewers = 0;
    int64_t at_ms = 0;
  };
  struct RoomInput {
    std::string_view room;  // valid for the call
    uint64_t session_id = 0;  // the live class session, 0 when none (the session peak is then 0)
    int viewers = 0;
  };

  // Once a second: every room to count. Rooms missing from `rooms` are forgotten (their open minute is kept
  // for takeMinutes()); the node's total is the sum of the rooms.
  void record(int64_t now_ms, const std::vector<RoomInput>& rooms);

  Peak sessionPeak(std::string_view room) const;
  Peak dayPeak(std::string_view room) const;
  Peak totalDayPeak() const { return total_.day_peak; }
  int totalNow() const { return total_.seconds.empty() ? 0 : total_.seconds.back().viewers; }
  // Per-second samples of a room ("" = the total) at or after since_ms, oldest first.
  std::vector<Sample> recent(std::string_view room, int64_t since_ms) const;
  // Minutes completed since the last call, to persist.
  std::vector<MinuteSample> takeMinutes();

 private:
  struct Series {
    std::deque<Sample> seconds;
    int64_t minute_ms = -1;
    int minute_max = 0;
    int64_t day = -1;
    Peak day_peak;
    uint64_t session_id = 0;
    Peak session;
    uint64_t recorded = 0;  // the record() call that last listed the room
  };
  void update(const std::string& name, Series& s, int64_t now_ms, uint64_t session_id, int viewers);
  const Series* find(std::string_view room) const;

  Series total_;
  std::map<std::string, Series, std::less<>> rooms_;
  std::vector<MinuteSample> minutes_;
  uint64_t records_ = 0;
};

}  // namespace airclass::signaling
