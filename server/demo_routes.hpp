// Demo mode only: GET /api/v1/demo/token mints a short-lived student or teacher token so the demo pages work
// without copying tokens from the log. Registered only when the server runs with --demo (otherwise the path is a
// 404). The handler runs on the HTTP thread; the parser is pure (any thread).
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "common/auth.hpp"

namespace airclass::server {

class HttpRouter;

inline constexpr size_t kMaxDemoNameBytes = 64;
inline constexpr std::chrono::seconds kDemoTokenTtl{2 * 3600};

struct DemoTokenRequest {
  common::Role role = common::Role::Student;  // student or teacher; never admin
  std::string room;
  std::string name;  // empty: a default name is made up
};

// Parses "role=student&room=R&name=N" (percent-encoded, '+' is a space). Throws common::Error(BadRequest) on a
// missing or bad role or room, a name over kMaxDemoNameBytes, control characters or invalid UTF-8.
DemoTokenRequest parseDemoTokenQuery(std::string_view query);

void addDemoRoutes(HttpRouter& router, std::string secret);

}  // namespace airclass::server
