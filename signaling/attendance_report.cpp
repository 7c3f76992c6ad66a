#include "signaling/attendance_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

namespace airclass::signaling {

AttendanceReport computeAttendance(const SessionRecord& session, const std::vector<IntervalRecord>& intervals,
                                   double min_ratio, int64_t now_ms) {
  AttendanceReport report;
  report.session = session;
  report.min_ratio = min_ratio;
  const int64_t start = session.started_ms;
  const int64_t end = session.ended_ms.value_or(std::max(now_ms, start));
  report.duration_ms = end - start;

  std::map<std::string, std::vector<const IntervalRecord*>> by_user;
  for (const auto& iv : intervals) {
    if (iv.session_id == session.id) by_user[iv.user].push_back(&iv);
  }
  for (auto& [user, list] : by_user) {
    StudentAttendance s;
    s.user = user;
    s.name = list.front()->name;
    std::vector<std::pair<int64_t, int64_t>> spans;
    bool first = true;
    for (const IntervalRecord* iv : list) {
      int64_t a = std::clamp(iv->join_ms, start, end);
      int64_t b = std::clamp(iv->leave_ms.value_or(end), start, end);
      if (!iv->leave_ms) s.present = true;
      if (first || iv->join_ms < s.first_join_ms) s.first_join_ms = iv->join_ms;
      s.last_leave_ms = first ? b : std::max(s.last_leave_ms, b);
      first = false;
      s.reconnects += iv->reconnects;
      if (b > a) spans.emplace_back(a, b);
    }
    s.reconnects += static_cast<int>(list.size()) - 1;
    std::sort(spans.begin(), spans.end());
    int64_t cur_a = 0;
    int64_t cur_b = -1;
    for (const auto& [a, b] : spans) {
      if (cur_b < 0 || a > cur_b) {
        if (cur_b >= 0) s.present_ms += cur_b - cur_a;
        cur_a = a;
        cur_b = b;
      } else {
        cur_b = std::max(cur_b, b);
      }
    }
    if (cur_b >= 0) s.present_ms += cur_b - cur_a;
    s.ratio = report.duration_ms > 0 ? static_cast<double>(s.present_ms) / static_cast<double>(report.duration_ms)
                                     : 0.0;
    s.met_minimum = report.duration_ms > 0 && s.ratio + 1e-9 >= min_ratio;
    report.students.push_back(std::move(s));
  }
  return report;
}

std::string attendanceJson(const AttendanceReport& report) {
  using nlohmann::json;
  json students = json::array();
  for (const auto& s : report.students) {
    students.push_back(json{{"user", s.user},
                            {"name", s.name},
                            {"first_join_ms", s.first_join_ms},
                            {"last_leave_ms", s.last_leave_ms},
                            {"present", s.present},
                            {"present_ms", s.present_ms},
                            {"reconnects", s.reconnects},
                            {"ratio", s.ratio},
                            {"met_minimum", s.met_minimum}});
  }
  json session{{"id", report.session.id},
               {"room", report.session.room},
               {"started_ms", report.session.started_ms},
               {"live", !report.session.ended_ms.has_value()},
               {"peak", report.session.peak}};
  if (report.session.ended_ms) session["ended_ms"] = *report.session.ended_ms;
  json j{{"session", session},
         {"duration_ms", report.duration_ms},
         {"min_ratio", report.min_ratio},
         {"students", students}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// RFC 4180 field; cells starting with = + - @ are prefixed with ' against spreadsheet formula injection.
std::string csvField(const std::string& value) {
  std::string v = value;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(v.begin(), '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string attendanceCsv(const AttendanceReport& report) {
  std::string out = "user,name,first_join_ms,last_leave_ms,present,present_ms,reconnects,ratio,met_minimum\r\n";
  for (const auto& s : report.students) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.4f", s.ratio);
    out += csvField(s.user) + "," + csvField(s.name) + "," + std::to_string(s.first_join_ms) + "," +
           std::to_string(s.last_leave_ms) + "," + (s.present ? "true" : "false") + "," +
           std::to_string(s.present_ms) + "," + std::to_string(s.reconnects) + "," + ratio + "," +
           (s.met_minimum ? "true" : "false") + "\r\n";
  }
  return out;
}

}  // namespace airclass::signaling
