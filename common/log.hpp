// Structured one-line logs: time, level, component, topic, message, then key=value fields. Any thread.
//   2026-11-29T02:50:01.123Z info media rtmp "publish started" room=demo peer=127.0.0.1:50312
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace airclass::common::log {

enum class Level { Debug, Info, Warn, Error };

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void setLevel(Level level);
bool parseLevel(std::string_view text, Level& out);
bool enabled(Level level);
std::string_view toString(Level level);
void write(Level level, std::string_view component, std::string_view topic, std::string_view message,
           Fields fields = {});

// The line write() emits (with its trailing newline), at a given time; exposed for tests. Lines are capped at
// kMaxLineBytes so that one write() to a pipe stays atomic.
inline constexpr size_t kMaxLineBytes = 4096;
std::string formatLine(Level level, std::string_view component, std::string_view topic, std::string_view message,
                       Fields fields, std::chrono::system_clock::time_point when);

inline void debug(std::string_view c, std::string_view t, std::string_view m, Fields f = {}) { write(Level::Debug, c, t, m, f); }
inline void info(std::string_view c, std::string_view t, std::string_view m, Fields f = {}) { write(Level::Info, c, t, m, f); }
inline void warn(std::string_view c, std::string_view t, std::string_view m, Fields f = {}) { write(Level::Warn, c, t, m, f); }
inline void error(std::string_view c, std::string_view t, std::string_view m, Fields f = {}) { write(Level::Error, c, t, m, f); }

// For hot-path warnings: allows at most one line per interval, counting what it suppressed. Any thread.
class RateLimit {
 public:
  explicit RateLimit(std::chrono::milliseconds interval) : interval_(interval) {}
  // True when a line may be written now; `suppressed` gets how many were dropped since the last one.
  bool allow(uint64_t& suppressed);
  // The same with an explicit steady-clock time in nanoseconds (> 0), for tests.
  bool allowAt(int64_t now_ns, uint64_t& suppressed);

 private:
  std::chrono::milliseconds interval_;
  std::atomic<int64_t> next_ns_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace airclass::common::log
