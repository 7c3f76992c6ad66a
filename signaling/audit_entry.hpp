// One admin action as the audit log keeps it (who, what, when, where, on whom). Value type: any thread.
#pragma once
#include <cstdint>
#include <string>

namespace airclass::signaling {

struct AuditEntry {
  int64_t time_ms = 0;
  std::string actor;   // the admin token's sub
  std::string action;  // end_broadcast | kick | qna_close | qna_open
  std::string room;
  std::string target;  // the kicked user; "" otherwise
};

}  // namespace airclass::signaling
