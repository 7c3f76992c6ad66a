#include "server/demo_routes.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "server/http_replies.hpp"
#include "server/http_router.hpp"

namespace airclass::server {
namespace {

using common::Error;
using common::ErrorCode;

constexpr size_t kMaxQueryBytes = 1024;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int hi = i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
      const int lo = hi >= 0 ? hexValue(text[i + 2]) : -1;
      if (lo < 0) throw Error(ErrorCode::BadRequest, "demo token: bad percent-encoding in " + std::string(what));
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool validRoom(std::string_view room) {
  if (room.empty() || room.size() > 64) return false;
  for (char c : room) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void checkName(const std::string& name) {
  if (name.size() > kMaxDemoNameBytes) {
    throw Error(ErrorCode::BadRequest, "demo token: name longer than " + std::to_string(kMaxDemoNameBytes) + " bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) throw Error(ErrorCode::BadRequest, "demo token: control character in name");
  }
  try {
    (void)nlohmann::json(name).dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::BadRequest, "demo token: name is not valid UTF-8");
  }
}

}  // namespace

DemoTokenRequest parseDemoTokenQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes) throw Error(ErrorCode::BadRequest, "demo token: query too long");
  std::string role_text;
  DemoTokenRequest request;
  bool have_room = false;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view raw = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key == "role") {
      role_text = percentDecode(raw, "role");
    } else if (key == "room") {
      request.room = percentDecode(raw, "room");
      have_room = true;
    } else if (key == "name") {
      request.name = percentDecode(raw, "name");
    }
  }
  if (role_text == "student" || role_text.empty()) {
    request.role = common::Role::Student;
  } else if (role_text == "teacher") {
    request.role = common::Role::Teacher;
  } else {
    throw Error(ErrorCode::BadRequest, "demo token: role must be student or teacher");
  }
  if (!have_room || !validRoom(request.room)) {
    throw Error(ErrorCode::BadRequest, "demo token: room must be 1-64 of A-Z a-z 0-9 - _");
  }
  checkName(request.name);
  return request;
}

void addDemoRoutes(HttpRouter& router, std::string secret) {
  router.add(HttpMethod::Get, "/api/v1/demo/token", [secret = std::move(secret)](const HttpRequest& r) {
    const DemoTokenRequest request = parseDemoTokenQuery(r.query);
    const bool teacher = request.role == common::Role::Teacher;
    // A fresh user id per token: two demo students in two tabs are two people.
    const std::string id = common::randomSecret(4);
    common::Claims claims;
    claims.sub = std::string(teacher ? "demo-teacher-" : "demo-student-") + id;
    claims.name = !request.name.empty() ? request.name : std::string(teacher ? "Teacher " : "Student ") + id;
    claims.role = request.role;
    claims.room = request.room;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    claims.exp = now + kDemoTokenTtl.count();
    nlohmann::json body = {{"token", common::mintToken(claims, secret)},
                           {"user", claims.sub},
                           {"name", claims.name},
                           {"role", common::toString(claims.role)},
                           {"room", claims.room},
                           {"exp", claims.exp}};
    common::HttpResponse response = jsonResponse(200, body);
    response.cache_control = "no-store";
    return HttpReply(std::move(response));
  });
}

}  // namespace airclass::server
