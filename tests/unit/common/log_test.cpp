#include "common/log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <thread>
#include <vector>

namespace airclass::common::log {
namespace {

using namespace std::chrono_literals;

// 2026-11-29T02:50:01.123Z
const std::chrono::system_clock::time_point kWhen{std::chrono::milliseconds(1'795'920'601'123)};

std::string line(std::string_view message, Fields fields = {}) {
  return formatLine(Level::Info, "media", "rtmp", message, fields, kWhen);
}

TEST(Log, FormatsTheDocumentedLine) {
  EXPECT_EQ(line("publish started", {{"room", "demo"}, {"peer", "127.0.0.1:50312"}}),
            "2026-11-29T02:50:01.123Z info media rtmp \"publish started\" room=demo peer=127.0.0.1:50312\n");
  EXPECT_EQ(formatLine(Level::Error, "c", "t", "m", {}, std::chrono::system_clock::time_point{}),
            "1970-01-01T00:00:00.000Z error c t m\n");
  EXPECT_EQ(formatLine(Level::Warn, "c", "t", "m", {}, std::chrono::system_clock::time_point{7ms}),
            "1970-01-01T00:00:00.007Z warn c t m\n");
}

TEST(Log, QuotesAndEscapes) {
  EXPECT_EQ(line("x", {{"name", "Ann \"the\" Lee"}}).substr(43), "name=\"Ann \\\"the\\\" Lee\"\n");
  EXPECT_EQ(line("x", {{"path", "C:\\dir"}}).substr(43), "path=\"C:\\\\dir\"\n");
  EXPECT_EQ(line("x", {{"v", ""}}).substr(43), "v=\"\"\n");
  EXPECT_EQ(line("x", {{"v", "a\tb\rc\x01\x7f"}}).substr(43), "v=\"a\\tb\\rc\\x01\\x7f\"\n");
  // A value cannot forge a second field or a second line.
  EXPECT_EQ(line("x", {{"user", "bob admin=1"}}).substr(43), "user=\"bob admin=1\"\n");
  EXPECT_EQ(line("x", {{"user", "a=1"}}).substr(43), "user=\"a=1\"\n");
  std::string forged = line("bad\n2026-01-01T00:00:00.000Z error fake", {{"k", "v\nw"}});
  EXPECT_EQ(std::count(forged.begin(), forged.end(), '\n'), 1);
  EXPECT_EQ(forged.substr(41), "\"bad\\n2026-01-01T00:00:00.000Z error fake\" k=\"v\\nw\"\n");
  EXPECT_EQ(line("x", {{"name", "张老师"}}).substr(43), "name=张老师\n");  // UTF-8 passes through
}

TEST(Log, LongLinesAreCappedAndStayOneLine) {
  std::string big(10000, 'x');
  std::string l = line(big, {{"k", big}});
  EXPECT_EQ(l.size(), kMaxLineBytes);
  EXPECT_EQ(l.back(), '\n');
  EXPECT_EQ(std::count(l.begin(), l.end(), '\n'), 1);
  EXPECT_NE(l.find("[truncated]\n"), std::string::npos);
}

TEST(Log, Levels) {
  Level l = Level::Info;
  ASSERT_TRUE(parseLevel("debug", l));
  EXPECT_EQ(l, Level::Debug);
  ASSERT_TRUE(parseLevel("error", l));
  EXPECT_EQ(l, Level::Error);
  EXPECT_FALSE(parseLevel("verbose", l));
  EXPECT_FALSE(parseLevel("INFO", l));
  for (Level x : {Level::Debug, Level::Info, Level::Warn, Level::Error}) {
    ASSERT_TRUE(parseLevel(toString(x), l));
    EXPECT_EQ(l, x);
  }
}

TEST(Log, LevelFilter) {
  setLevel(Level::Warn);
  EXPECT_FALSE(enabled(Level::Info));
  EXPECT_TRUE(enabled(Level::Error));
  ::testing::internal::CaptureStderr();
  info("test", "filter", "hidden");
  debug("test", "filter", "hidden");
  warn("test", "filter", "shown", {{"room", "r1"}});
  error("test", "filter", "shown too");
  std::string out = ::testing::internal::GetCapturedStderr();
  setLevel(Level::Info);
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
  EXPECT_NE(out.find(" warn test filter shown room=r1\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" error test filter \"shown too\"\n"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Log, LinesFromManyThreadsStayWhole) {
  ::testing::internal::CaptureStderr();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      std::string id(1, static_cast<char>('a' + t));
      std::string pad(200, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) info("test", "threads", pad, {{"t", id}});
    });
  }
  for (auto& th : threads) th.join();
  std::string out = ::testing::internal::GetCapturedStderr();
  size_t lines = 0;
  for (size_t pos = 0; pos < out.size();) {
    size_t end = out.find('\n', pos);
    ASSERT_NE(end, std::string::npos);
    std::string_view l(out.data() + pos, end - pos);
    char t = l.back();
    EXPECT_NE(l.find(" info test threads " + std::string(200, t) + " t=" + t), std::string_view::npos) << l;
    ++lines;
    pos = end + 1;
  }
  EXPECT_EQ(lines, 800u);
}

TEST(Log, RateLimitCountsWhatItSuppressed) {
  RateLimit limit(100ms);
  constexpr int64_t ms = 1'000'000;
  uint64_t suppressed = 99;
  EXPECT_TRUE(limit.allowAt(1000 * ms, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(limit.allowAt(1001 * ms, suppressed));
  EXPECT_FALSE(limit.allowAt(1050 * ms, suppressed));
  EXPECT_FALSE(limit.allowAt(1099 * ms, suppressed));
  EXPECT_TRUE(limit.allowAt(1100 * ms, suppressed));
  EXPECT_EQ(suppressed, 3u);
  EXPECT_TRUE(limit.allowAt(5000 * ms, suppressed));
  EXPECT_EQ(suppressed, 0u);
}

TEST(Log, RateLimitAdmitsOneOfManyConcurrentCallers) {
  RateLimit limit(1h);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      uint64_t s = 0;
      for (int i = 0; i < 1000; ++i) allowed += limit.allow(s) ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1);
  uint64_t suppressed = 0;
  EXPECT_TRUE(limit.allowAt(std::numeric_limits<int64_t>::max() / 2, suppressed));
  EXPECT_EQ(suppressed, 7999u);
}

}  // namespace
}  // namespace airclass::common::log
