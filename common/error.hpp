// Typed errors with stable codes, thrown at start-up and request boundaries and turned into replies.
// Any thread.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace airclass::common {

// The one table of stable error codes. The string form is what clients see (JSON "code", logs).
enum class ErrorCode {
  BadRequest,       // malformed input
  Unauthorized,     // missing, invalid or expired token
  Forbidden,        // valid token, wrong role or room
  NotFound,
  Conflict,         // e.g. a second publisher to a live room
  TooLarge,         // a bound was hit (message size, resolution, queue)
  RateLimited,
  Unsupported,      // e.g. HEVC over RTMP
  Unavailable,      // overloaded or shutting down
  Internal,
  Config,           // bad configuration (start-up)
};

std::string_view toString(ErrorCode code);
int httpStatus(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace airclass::common
