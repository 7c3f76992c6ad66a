// libFuzzer target: the demo token query parser (GET /api/v1/demo/token?role=&room=&name=).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "server/demo_routes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto r = airclass::server::parseDemoTokenQuery(std::string_view(reinterpret_cast<const char*>(data), size));
    if (r.name.size() > airclass::server::kMaxDemoNameBytes || r.room.empty()) __builtin_trap();
  } catch (const airclass::common::Error&) {
  }
  return 0;
}
