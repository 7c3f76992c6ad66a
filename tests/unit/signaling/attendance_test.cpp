#include <gtest/gtest.h>

#include "signaling/attendance_report.hpp"
#include "signaling/classroom_service.hpp"
#include "signaling/clock.hpp"
#include "signaling/signaling_store.hpp"
#include "signaling_test_support.hpp"

namespace airclass::signaling {
namespace {

using common::Role;
using json = nlohmann::json;
using testing::kSecret;
using testing::RecordingSink;
using testing::TempDir;
using testing::token;

IntervalRecord interval(const std::string& user, int64_t join, std::optional<int64_t> leave, int reconnects = 0) {
  IntervalRecord iv;
  iv.session_id = 1;
  iv.user = user;
  iv.name = user;
  iv.join_ms = join;
  iv.leave_ms = leave;
  iv.reconnects = reconnects;
  return iv;
}

TEST(AttendanceReport, UnionOfIntervalsClippedToTheSession) {
  SessionRecord s{1, "math", 1000, 11'000, 3};
  std::vector<IntervalRecord> ivs{
      interval("a", 0, 6000),          // joined before the session: clipped to its start
      interval("a", 5000, 8000, 2),    // overlaps the first: counted once
      interval("b", 2000, 4000),
      interval("b", 9000, 20'000),     // left after the end: clipped
      interval("c", 10'000, std::nullopt),
  };
  ivs.push_back(interval("z", 0, 1));
  ivs.back().session_id = 2;  // another session: ignored
  AttendanceReport r = computeAttendance(s, ivs, 0.5, 50'000);
  EXPECT_EQ(r.duration_ms, 10'000);
  ASSERT_EQ(r.students.size(), 3u);
  const auto& a = r.students[0];
  EXPECT_EQ(a.user, "a");
  EXPECT_EQ(a.present_ms, 7000);  // 1000..8000
  EXPECT_EQ(a.first_join_ms, 0);
  EXPECT_EQ(a.last_leave_ms, 8000);
  EXPECT_EQ(a.reconnects, 3);  // two resumes + one fresh join
  EXPECT_TRUE(a.met_minimum);
  const auto& b = r.students[1];
  EXPECT_EQ(b.present_ms, 4000);
  EXPECT_EQ(b.reconnects, 1);
  EXPECT_FALSE(b.met_minimum);
  EXPECT_DOUBLE_EQ(b.ratio, 0.4);
  const auto& c = r.students[2];
  EXPECT_TRUE(c.present);
  EXPECT_EQ(c.present_ms, 1000);  // open interval ends with the (ended) session
}

TEST(AttendanceReport, OpenSessionCountsToNow) {
  SessionRecord s{1, "math", 1000, std::nullopt, 1};
  AttendanceReport r = computeAttendance(s, {interval("a", 1000, std::nullopt)}, 0.8, 5000);
  EXPECT_EQ(r.duration_ms, 4000);
  EXPECT_EQ(r.students[0].present_ms, 4000);
  EXPECT_TRUE(r.students[0].met_minimum);
  json j = json::parse(attendanceJson(r));
  EXPECT_TRUE(j["session"]["live"]);
  EXPECT_EQ(j["students"][0]["present_ms"], 4000);
}

TEST(AttendanceReport, CsvEscapesAndDefusesFormulas) {
  SessionRecord s{1, "math", 0, 1000, 1};
  auto iv = interval("u1", 0, 1000);
  iv.name = "=HYPERLINK(\"x\"),evil";
  std::string csv = attendanceCsv(computeAttendance(s, {iv}, 0.8, 1000));
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\"),evil\""), std::string::npos) << csv;
  EXPECT_EQ(csv.substr(0, 5), "user,");
}

// Attendance through the service and a real SQLite file, across a resume and a crash.
class AttendanceStoreTest : public ::testing::Test {
 protected:
  void open() {
    store = std::make_unique<SignalingStore>(dir.file("signaling.db"));
    svc = std::make_unique<ClassroomService>(ClassroomService::Settings{}, kSecret, clock, *store, sink);
  }
  void crash() {  // no shutdown(): open intervals and the session stay open on disk
    svc.reset();
    store.reset();
  }
  void msg(PeerId p, json j) {
    j["v"] = 1;
    j["id"] = "r";
    svc->onMessage(p, j.dump());
  }
  PeerId join(const std::string& user) {
    PeerId p = next++;
    svc->onOpen(p, "Bearer " + token(Role::Student, "math", user));
    msg(p, {{"type", "join"}, {"room", "math"}});
    return p;
  }

  TempDir dir;
  ManualClock clock;
  RecordingSink sink;
  std::unique_ptr<SignalingStore> store;
  std::unique_ptr<ClassroomService> svc;
  PeerId next = 1;
};

TEST_F(AttendanceStoreTest, CrashLeavesOpenIntervalsThatRestartClosesAtTheLastHeartbeat) {
  open();
  const int64_t t0 = clock.nowMs();
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  PeerId a = join("alice");
  PeerId b = join("bob");
  for (int i = 0; i < 3; ++i) {  // heartbeats every 10 s; bob stays silent after joining
    clock.advanceMs(10'000);
    msg(a, {{"type", "ping"}});
    svc->tick();
  }
  clock.advanceMs(4'000);
  svc->tick();
  (void)b;
  store->flush();
  crash();

  open();
  EXPECT_EQ(store->recoveredIntervals(), 2);
  auto session = store->session("math", 1);
  ASSERT_TRUE(session.has_value());
  ASSERT_TRUE(session->ended_ms.has_value());
  EXPECT_EQ(*session->ended_ms, t0 + 34'000);  // its last sign of life (tick)
  auto intervals = store->intervals(1);
  ASSERT_EQ(intervals.size(), 2u);
  EXPECT_EQ(*intervals[0].leave_ms, t0 + 30'000);  // alice's last heartbeat
  EXPECT_EQ(*intervals[1].leave_ms, t0);           // bob never sent one after joining
  auto report = computeAttendance(*session, intervals, 0.8, clock.nowMs());
  EXPECT_EQ(report.students[0].present_ms, 30'000);
  EXPECT_TRUE(report.students[0].met_minimum);  // 30 of 34 s
  EXPECT_FALSE(report.students[1].met_minimum);

  // New ids continue after the old ones.
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  join("carol");
  store->flush();
  EXPECT_TRUE(store->session("math", 2).has_value());
  EXPECT_EQ(store->intervals(2).at(0).id, 3u);
}

TEST_F(AttendanceStoreTest, CleanShutdownClosesEverythingAtNow) {
  open();
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  join("alice");
  clock.advanceMs(7'000);
  svc->shutdown();
  crash();
  open();
  EXPECT_EQ(store->recoveredIntervals(), 0);
  auto intervals = store->intervals(1);
  EXPECT_EQ(*intervals.at(0).leave_ms - intervals.at(0).join_ms, 7'000);
  EXPECT_EQ(store->sessions("math", 10).at(0).peak, 1);
}

TEST_F(AttendanceStoreTest, StudentsWaitingBeforeTheBroadcastStartWithIt) {
  open();
  join("early");
  clock.advanceMs(60'000);
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  const int64_t start = clock.nowMs();
  clock.advanceMs(10'000);
  svc->onBroadcastEnded("math");
  store->flush();
  auto intervals = store->intervals(1);
  ASSERT_EQ(intervals.size(), 1u);
  EXPECT_EQ(intervals[0].join_ms, start);
  EXPECT_EQ(*intervals[0].leave_ms, start + 10'000);
}

}  // namespace
}  // namespace airclass::signaling
