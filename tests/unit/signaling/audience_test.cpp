#include "signaling/audience.hpp"

#include <gtest/gtest.h>

namespace airclass::signaling {
namespace {

constexpr int64_t kT0 = 1'800'000'040'000;  // 40 s into a minute

TEST(AudienceTest, SessionPeakWithItsTimeResetsWithANewSession) {
  Audience a;
  a.record(kT0, {{"math", 4, 3}});
  a.record(kT0 + 1000, {{"math", 4, 7}});
  a.record(kT0 + 2000, {{"math", 4, 5}});
  EXPECT_EQ(a.sessionPeak("math").viewers, 7);
  EXPECT_EQ(a.sessionPeak("math").at_ms, kT0 + 1000);
  a.record(kT0 + 3000, {{"math", 0, 2}});  // session over: no session peak
  EXPECT_EQ(a.sessionPeak("math").viewers, 0);
  a.record(kT0 + 4000, {{"math", 5, 1}});  // a new session starts from its own count
  EXPECT_EQ(a.sessionPeak("math").viewers, 1);
  EXPECT_EQ(a.sessionPeak("math").at_ms, kT0 + 4000);
  EXPECT_EQ(a.dayPeak("math").viewers, 7);
  EXPECT_EQ(a.sessionPeak("nope").viewers, 0);
}

TEST(AudienceTest, DayPeakOfTheTotalResetsAtMidnightUtc) {
  Audience a;
  const int64_t day = 86'400'000;
  const int64_t late = (kT0 / day + 1) * day - 2000;  // 2 s before midnight
  a.record(late, {{"a", 0, 10}, {"b", 0, 5}});
  a.record(late + 1000, {{"a", 0, 2}});
  EXPECT_EQ(a.totalDayPeak().viewers, 15);
  EXPECT_EQ(a.totalDayPeak().at_ms, late);
  EXPECT_EQ(a.totalNow(), 2);
  a.record(late + 2000, {{"a", 0, 3}});  // the next day
  EXPECT_EQ(a.totalDayPeak().viewers, 3);
  EXPECT_EQ(a.totalDayPeak().at_ms, late + 2000);
}

TEST(AudienceTest, SecondSamplesAreABoundedRing) {
  Audience a;
  for (int i = 0; i < 400; ++i) a.record(kT0 + i * 1000, {{"r", 0, i}});
  auto all = a.recent("r", 0);
  ASSERT_EQ(all.size(), Audience::kSecondSamples);
  EXPECT_EQ(all.front().viewers, 100);
  EXPECT_EQ(all.back().viewers, 399);
  EXPECT_EQ(a.recent("r", kT0 + 395'000).size(), 5u);
  EXPECT_EQ(a.recent("", 0).back().viewers, 399);  // the total
  EXPECT_TRUE(a.recent("nope", 0).empty());
}

TEST(AudienceTest, MinuteSamplesKeepTheHighestCountOfEachMinute) {
  Audience a;
  a.record(kT0, {{"r", 0, 2}});
  a.record(kT0 + 10'000, {{"r", 0, 9}});
  a.record(kT0 + 19'000, {{"r", 0, 4}});
  EXPECT_TRUE(a.takeMinutes().empty());  // the minute is not over
  a.record(kT0 + 21'000, {{"r", 0, 1}});  // next minute
  auto minutes = a.takeMinutes();
  ASSERT_EQ(minutes.size(), 2u);  // the room and the total
  EXPECT_EQ(minutes[0].room, "r");
  EXPECT_EQ(minutes[0].minute_ms, kT0 - 40'000);
  EXPECT_EQ(minutes[0].viewers, 9);
  EXPECT_EQ(minutes[1].room, "");
  EXPECT_EQ(minutes[1].viewers, 9);
  a.record(kT0 + 22'000, {});  // the room went away: its open minute is still handed out
  minutes = a.takeMinutes();
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_EQ(minutes[0].room, "r");
  EXPECT_EQ(minutes[0].viewers, 1);
}

TEST(AudienceTest, ARoomThatWentAwayStartsAfreshWhenItComesBack) {
  Audience a;
  a.record(kT0, {{"math", 4, 9}, {"bio", 0, 2}});
  a.record(kT0 + 1000, {{"bio", 0, 3}});  // math not listed: forgotten, bio kept
  EXPECT_EQ(a.sessionPeak("math").viewers, 0);
  EXPECT_TRUE(a.recent("math", 0).empty());
  EXPECT_EQ(a.recent("bio", 0).size(), 2u);
  EXPECT_EQ(a.totalNow(), 3);
  a.record(kT0 + 2000, {{"bio", 0, 3}, {"math", 4, 1}});
  EXPECT_EQ(a.sessionPeak("math").viewers, 1);
  EXPECT_EQ(a.dayPeak("math").viewers, 1);
  EXPECT_EQ(a.recent("math", 0).size(), 1u);
  EXPECT_EQ(a.totalDayPeak().viewers, 11);
}

}  // namespace
}  // namespace airclass::signaling
