// One Q&A question with its full (moderator-visible) state. Value type; owned by a room's QnaBoard on the lws
// thread, copied to the store thread for persistence.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "signaling/protocol.hpp"

namespace airclass::signaling {

struct Question {
  uint64_t id = 0;
  std::string room;
  uint64_t session_id = 0;  // the live session it was asked in; 0 when the room was not live
  std::string author;       // user id
  std::string author_name;
  bool anonymous = false;   // hidden from classmates, never from the teacher or admins
  std::string text;
  int64_t created_ms = 0;
  protocol::QuestionState state = protocol::QuestionState::Open;
  bool pinned = false;
  std::optional<std::string> answer;
  int64_t answered_ms = 0;
  std::set<std::string> voters;  // user ids; one vote each

  int votes() const { return static_cast<int>(voters.size()); }
};

}  // namespace airclass::signaling
