#include "common/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace airclass::common::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};

// Bare when safe; otherwise quoted with \" \\ \n \r \t and \xHH escapes, so no value can break the line or
// forge another key=value pair.
void appendValue(std::string& out, std::string_view v) {
  bool bare = !v.empty();
  for (char ch : v) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f || ch == '"' || ch == '\\' || ch == '=') {
      bare = false;
      break;
    }
  }
  if (bare) {
    out += v;
    return;
  }
  out += '"';
  for (char ch : v) {
    auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0x0f];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void appendTime(std::string& out, std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = static_cast<int>(ms % 1000);
  if (frac < 0) {  // before 1970
    frac += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  out += '.';
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
  out += 'Z';
}

}  // namespace

void setLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

std::string_view toString(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

bool parseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error}) {
    if (text == toString(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string formatLine(Level level, std::string_view component, std::string_view topic, std::string_view message,
                       Fields fields, std::chrono::system_clock::time_point when) {
  std::string line;
  line.reserve(128);
  appendTime(line, when);
  line += ' ';
  line += toString(level);
  line += ' ';
  appendValue(line, component);
  line += ' ';
  appendValue(line, topic);
  line += ' ';
  appendValue(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    appendValue(line, key);
    line += '=';
    appendValue(line, value);
  }
  constexpr std::string_view kCut = " [truncated]";
  if (line.size() + 1 > kMaxLineBytes) line.replace(kMaxLineBytes - 1 - kCut.size(), std::string::npos, kCut);
  line += '\n';
  return line;
}

void write(Level level, std::string_view component, std::string_view topic, std::string_view message,
           Fields fields) {
  if (!enabled(level)) return;
  std::string line = formatLine(level, component, topic, message, fields, std::chrono::system_clock::now());
  // One write() per line keeps lines from different threads whole; retry only on EINTR.
  while (::write(STDERR_FILENO, line.data(), line.size()) < 0 && errno == EINTR) {
  }
}

bool RateLimit::allow(uint64_t& suppressed) {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  return allowAt(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(), suppressed);
}

bool RateLimit::allowAt(int64_t now_ns, uint64_t& suppressed) {
  int64_t next = next_ns_.load(std::memory_order_relaxed);
  int64_t interval = std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count();
  // Exactly one caller wins the slot for this interval; the others count as dropped.
  if (now_ns < next || !next_ns_.compare_exchange_strong(next, now_ns + interval, std::memory_order_relaxed)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  suppressed = dropped_.exchange(0, std::memory_order_relaxed);
  return true;
}

}  // namespace airclass::common::log
