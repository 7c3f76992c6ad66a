#include "signaling/rest_api.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "signaling/attendance_report.hpp"

namespace airclass::signaling {
namespace {

using common::Error;
using common::ErrorCode;
using json = nlohmann::json;

common::HttpResponse jsonResponse(int status, const json& body) {
  common::HttpResponse r = common::HttpResponse::text(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
  r.content_type = "application/json";
  return r;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> queryParam(std::string_view query, std::string_view key) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  for (auto pair : split(query, '&')) {
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k != key) continue;
    std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        int x = 0;
        auto [p, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, x, 16);
        if (ec == std::errc() && p == v.data() + i + 3) {
          out += static_cast<char>(x);
          i += 2;
          continue;
        }
      }
      out += v[i] == '+' ? ' ' : v[i];
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

RestApi::RestApi(const ClassroomService& service, SignalingStore& store, std::string secret, const Clock& clock,
                 double min_ratio)
    : service_(service), store_(store), secret_(std::move(secret)), clock_(clock), min_ratio_(min_ratio) {}

common::HttpResponse RestApi::handle(std::string_view method, std::string_view path, std::string_view query,
                                     std::string_view authorization) const {
  try {
    return route(method, path, query, authorization);
  } catch (const Error& e) {
    return jsonResponse(common::httpStatus(e.code()),
                        json{{"error", {{"code", common::toString(e.code())}, {"message", e.what()}}}});
  } catch (const std::exception& e) {
    return jsonResponse(500, json{{"error", {{"code", "internal"}, {"message", e.what()}}}});
  }
}

common::HttpResponse RestApi::route(std::string_view method, std::string_view path, std::string_view query,
                                    std::string_view authorization) const {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (path.substr(0, kPrefix.size()) != kPrefix) throw Error(ErrorCode::NotFound, "no such endpoint");
  auto parts = split(path.substr(kPrefix.size()), '/');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // a trailing slash
  const bool sessions = parts.size() == 3 && parts[0] == "rooms" && parts[2] == "sessions";
  const bool attendance = parts.size() == 5 && parts[0] == "rooms" && parts[2] == "sessions" && parts[4] == "attendance";
  if (!sessions && !attendance) throw Error(ErrorCode::NotFound, "no such endpoint");
  if (method != "GET") throw Error(ErrorCode::BadRequest, "only GET is supported here");

  std::string token;
  if (authorization.size() > 7 && (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    token = std::string(authorization.substr(7));
  } else if (auto t = queryParam(query, "token")) {
    token = *t;
  }
  if (token.empty()) throw Error(ErrorCode::Unauthorized, "a Bearer token is required");
  const int64_t now = clock_.nowMs();
  common::Claims claims = common::verifyToken(token, secret_, now / 1000);

  std::string room(parts[1]);
  if (!common::mayModerate(claims, room)) {
    throw Error(ErrorCode::Forbidden, "only the room's teacher or an admin may read its attendance");
  }
  if (sessions) {
    json list = json::array();
    for (const auto& s : store_.sessions(room, 200)) {
      json j{{"id", s.id},
             {"started_ms", s.started_ms},
             {"live", !s.ended_ms.has_value()},
             {"peak", s.peak},
             {"duration_ms", s.ended_ms.value_or(now) - s.started_ms}};
      if (s.ended_ms) j["ended_ms"] = *s.ended_ms;
      list.push_back(std::move(j));
    }
    return jsonResponse(200, json{{"room", room}, {"sessions", list}});
  }

  uint64_t id = 0;
  auto [p, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), id);
  if (ec != std::errc() || p != parts[3].data() + parts[3].size()) throw Error(ErrorCode::BadRequest, "bad session id");
  auto session = store_.session(room, id);
  if (!session) throw Error(ErrorCode::NotFound, "no session " + std::string(parts[3]) + " in room " + room);
  AttendanceReport report = computeAttendance(*session, store_.intervals(id), min_ratio_, now);
  if (queryParam(query, "format").value_or("json") == "csv") {
    common::HttpResponse r = common::HttpResponse::text(200, attendanceCsv(report));
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"attendance-" + room + "-" + std::to_string(id) + ".csv\"");
    return r;
  }
  common::HttpResponse r = common::HttpResponse::text(200, attendanceJson(report));
  r.content_type = "application/json";
  return r;
}

}  // namespace airclass::signaling
