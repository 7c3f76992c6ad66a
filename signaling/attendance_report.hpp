// Attendance arithmetic: from a class session's presence intervals to per-student reports (first join, last
// leave, time present, reconnects, minimum ratio met). Pure functions on value types: any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace airclass::signaling {

// A class session: one live period of a room (broadcast started .. ended).
struct SessionRecord {
  uint64_t id = 0;
  std::string room;
  int64_t started_ms = 0;
  std::optional<int64_t> ended_ms;  // open while live
  int peak = 0;                     // peak concurrent participants
};

// One stretch of presence of a student in a session. A resume within the grace window continues the same
// interval (reconnects += 1); a fresh join opens a new one.
struct IntervalRecord {
  uint64_t id = 0;
  uint64_t session_id = 0;
  std::string user;
  std::string name;
  int64_t join_ms = 0;
  std::optional<int64_t> leave_ms;  // open while present (or within the resume grace window)
  int64_t last_seen_ms = 0;         // last heartbeat; where an interval left open by a crash is closed
  int reconnects = 0;
};

struct StudentAttendance {
  std::string user;
  std::string name;
  int64_t first_join_ms = 0;
  int64_t last_leave_ms = 0;  // `now` clipped to the session for intervals still open
  bool present = false;       // an interval is still open
  int64_t present_ms = 0;     // union of intervals clipped to the session
  int reconnects = 0;         // resumes plus fresh joins after the first
  double ratio = 0;           // present_ms / session duration
  bool met_minimum = false;
};

struct AttendanceReport {
  SessionRecord session;
  int64_t duration_ms = 0;
  double min_ratio = 0;
  std::vector<StudentAttendance> students;  // by user id
};

// Open intervals and an open session count up to now_ms.
AttendanceReport computeAttendance(const SessionRecord& session, const std::vector<IntervalRecord>& intervals,
                                   double min_ratio, int64_t now_ms);

std::string attendanceJson(const AttendanceReport& report);
std::string attendanceCsv(const AttendanceReport& report);

}  // namespace airclass::signaling
