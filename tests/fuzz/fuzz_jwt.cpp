// libFuzzer target: verifyToken on arbitrary bytes must either return claims or throw common::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/auth.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  try {
    airclass::common::Claims claims = airclass::common::verifyToken(token, "fuzz-secret", 1'700'000'000);
    // A token that verifies must carry what verifyToken promises.
    if (claims.sub.empty() || claims.exp <= 1'700'000'000) __builtin_trap();
  } catch (const airclass::common::Error&) {
  }
  return 0;
}
