#include "signaling/admin_api.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"

namespace airclass::signaling {
namespace {

using common::Error;
using common::ErrorCode;
using json = nlohmann::json;

constexpr std::string_view kPrefix = "/api/v1/";

common::HttpResponse jsonText(int status, std::string body) {
  common::HttpResponse r = common::HttpResponse::text(status, std::move(body));
  r.content_type = "application/json";
  return r;
}

common::HttpResponse jsonResponse(int status, const json& body) {
  return jsonText(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// The raw value of a query parameter (these take plain tokens: no decoding needed).
std::string_view param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

bool validRoom(std::string_view room) {
  if (room.empty() || room.size() > protocol::kMaxRoomChars) return false;
  for (char c : room) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

json parseBody(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(ErrorCode::BadRequest, "the body must be a JSON object");
  return j;
}

}  // namespace

AdminApi::AdminApi(ClassroomService& service, AdminStats& stats, SignalingStore& store, std::string secret,
                   const Clock& clock)
    : service_(service), stats_(stats), store_(store), secret_(std::move(secret)), clock_(clock) {}

bool AdminApi::handles(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  auto parts = split(path.substr(kPrefix.size()));
  if (parts.size() == 1) return parts[0] == "stats" || parts[0] == "audit";
  if (parts.size() == 2) return parts[0] == "stats" && parts[1] == "history";
  return parts.size() == 3 && parts[0] == "rooms" && (parts[2] == "end" || parts[2] == "kick" || parts[2] == "qna");
}

common::HttpResponse AdminApi::handle(std::string_view method, std::string_view path, std::string_view query,
                                      std::string_view authorization, std::string_view body) {
  try {
    return route(method, path, query, authorization, body);
  } catch (const Error& e) {
    return jsonResponse(common::httpStatus(e.code()),
                        json{{"error", {{"code", common::toString(e.code())}, {"message", e.what()}}}});
  } catch (const std::exception& e) {
    return jsonResponse(500, json{{"error", {{"code", "internal"}, {"message", e.what()}}}});
  }
}

common::HttpResponse AdminApi::route(std::string_view method, std::string_view path, std::string_view query,
                                     std::string_view authorization, std::string_view body) {
  if (!handles(path)) throw Error(ErrorCode::NotFound, "no such endpoint");
  const auto parts = split(path.substr(kPrefix.size()));
  const bool is_action = parts.size() == 3;
  if (is_action ? method != "POST" : method != "GET") {
    throw Error(ErrorCode::BadRequest, is_action ? "use POST here" : "only GET is supported here");
  }
  std::string_view token;
  if (authorization.size() > 7 && (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    token = authorization.substr(7);
  }
  if (token.empty()) throw Error(ErrorCode::Unauthorized, "a Bearer token is required");
  const int64_t now = clock_.nowMs();
  const common::Claims claims = common::verifyToken(token, secret_, now / 1000);
  if (claims.role != common::Role::Admin) throw Error(ErrorCode::Forbidden, "admin endpoints are for admins");

  if (parts.size() == 1 && parts[0] == "stats") {
    service_.refreshStats();
    return jsonText(200, stats_.snapshotJson());
  }
  if (parts.size() == 2) {
    const std::string_view room = param(query, "room");
    if (!room.empty() && !validRoom(room)) throw Error(ErrorCode::BadRequest, "history: bad room name");
    const std::string_view range = param(query, "range");
    return jsonText(200, stats_.historyJson(range.empty() ? "5m" : range, room, now));
  }
  if (parts[0] == "audit") {
    int limit = 100;
    if (const std::string_view text = param(query, "limit"); !text.empty()) {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (ec != std::errc() || p != text.data() + text.size() || limit < 1) {
        throw Error(ErrorCode::BadRequest, "audit: limit must be a positive number");
      }
      limit = std::min(limit, 1000);
    }
    json entries = json::array();
    for (const AuditEntry& e : store_.audit(static_cast<size_t>(limit))) {
      entries.push_back(json{{"time_ms", e.time_ms}, {"actor", e.actor}, {"action", e.action}, {"room", e.room},
                             {"target", e.target}});
    }
    return jsonResponse(200, json{{"entries", std::move(entries)}});
  }
  if (!validRoom(parts[1])) throw Error(ErrorCode::BadRequest, "bad room name");
  return action(claims, std::string(parts[1]), parts[2], body);
}

common::HttpResponse AdminApi::action(const common::Claims& admin, const std::string& room, std::string_view verb,
                                      std::string_view body) {
  if (verb == "end") {
    if (!hooks_.end_broadcast || !hooks_.end_broadcast(room)) {
      throw Error(ErrorCode::NotFound, "room " + room + " has no broadcast");
    }
    audit(admin, "end_broadcast", room, "");
    return jsonResponse(200, json{{"ok", true}});
  }
  const json j = parseBody(body);
  if (verb == "kick") {
    auto user = j.find("user");
    if (user == j.end() || !user->is_string() || user->get<std::string>().empty() ||
        user->get<std::string>().size() > 256) {
      throw Error(ErrorCode::BadRequest, "kick: \"user\" must be a user id");
    }
    const std::string target = user->get<std::string>();
    const bool known = service_.hasRoom(room);
    int closed = service_.kickUser(room, target);
    const int webrtc = hooks_.kick_webrtc ? hooks_.kick_webrtc(room, target) : 0;
    if (!known && webrtc == 0) throw Error(ErrorCode::NotFound, "no room " + room);
    if (closed + webrtc == 0) throw Error(ErrorCode::NotFound, "user " + target + " is not in room " + room);
    closed += webrtc;
    audit(admin, "kick", room, target);
    return jsonResponse(200, json{{"ok", true}, {"closed", closed}});
  }
  auto open = j.find("open");
  if (open == j.end() || !open->is_boolean()) throw Error(ErrorCode::BadRequest, "qna: \"open\" must be a boolean");
  if (!service_.setQnaOpen(room, open->get<bool>())) throw Error(ErrorCode::NotFound, "no room " + room);
  audit(admin, open->get<bool>() ? "qna_open" : "qna_close", room, "");
  return jsonResponse(200, json{{"ok", true}, {"open", open->get<bool>()}});
}

void AdminApi::audit(const common::Claims& admin, const char* action, const std::string& room,
                     const std::string& target) {
  store_.insertAudit(AuditEntry{clock_.nowMs(), admin.sub, action, room, target});
  common::log::info("signaling", "admin", "admin action",
                    {{"actor", admin.sub}, {"action", action}, {"room", room}, {"target", target}});
}

}  // namespace airclass::signaling
