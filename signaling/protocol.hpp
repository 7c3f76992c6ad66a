// Signaling protocol v1: every message exchanged over the /ws websocket, as plain structs (the codec is in
// protocol_codec.hpp, the prose in docs/protocol.md). Data only, no I/O: any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/auth.hpp"
#include "common/error.hpp"

namespace airclass::signaling::protocol {

inline constexpr int kVersion = 1;
inline constexpr size_t kMaxRequestIdChars = 64;
inline constexpr size_t kMaxRoomChars = 64;
inline constexpr size_t kMaxJsonDepth = 8;

enum class QuestionOrder { Votes, Time };
enum class QuestionState { Pending, Open, Answered, Dismissed };

// ---- client -> server requests (each carries a request id, echoed as "re" in the reply) ----
struct Auth { std::string token; };
struct Join { std::string room; };
struct Leave {};
struct Resume { std::string resume_token; uint64_t last_seq = 0; };
struct Ping {};
struct Ask { std::string text; bool anonymous = false; };
struct Upvote { uint64_t question_id = 0; };
struct Answer { uint64_t question_id = 0; std::optional<std::string> text; };
struct Dismiss { uint64_t question_id = 0; };
struct Reopen { uint64_t question_id = 0; };
struct Pin { uint64_t question_id = 0; bool pinned = true; };
struct Approve { uint64_t question_id = 0; };
struct SetModeration { bool enabled = false; };
struct ListQuestions { QuestionOrder order = QuestionOrder::Votes; };
struct SubscribeStats { bool enabled = true; };

using ClientBody = std::variant<Auth, Join, Leave, Resume, Ping, Ask, Upvote, Answer, Dismiss, Reopen, Pin, Approve,
                                SetModeration, ListQuestions, SubscribeStats>;

struct ClientMessage {
  std::string id;  // request id, 1..kMaxRequestIdChars characters
  ClientBody body;
};

// ---- views shared by several server messages ----
struct ParticipantView {
  std::string user;
  std::string name;
  common::Role role = common::Role::Student;
};

struct Counts {
  int teachers = 0;
  int students = 0;
  int admins = 0;
  int total() const { return teachers + students + admins; }
  bool operator==(const Counts&) const = default;
};

struct PresenceView {
  Counts counts;
  std::optional<std::vector<ParticipantView>> participants;  // only for those allowed to see the roster
};

struct QuestionView {
  uint64_t id = 0;
  std::string text;
  std::optional<std::string> author;       // user id; hidden from classmates when anonymous
  std::optional<std::string> author_name;  // hidden from classmates when anonymous
  bool anonymous = false;
  int votes = 0;
  QuestionState state = QuestionState::Open;
  bool pinned = false;
  std::optional<std::string> answer;
  int64_t created_ms = 0;
  int64_t answered_ms = 0;
};

// ---- server -> client ----
struct AuthOk { std::string user; std::string name; common::Role role = common::Role::Student; std::string room; };
struct Joined {
  std::string room;
  common::Role role = common::Role::Student;
  std::string resume_token;
  bool live = false;
  std::string hls_url;
  uint64_t session_id = 0;
  uint64_t last_seq = 0;  // Q&A event sequence the snapshot reflects
  bool moderation = false;
  PresenceView presence;
  std::vector<QuestionView> questions;
  int question_max_chars = 0;  // the ask limit, so pages can show it; 0: not sent
};
struct Resumed {
  std::string room;
  std::string resume_token;
  bool live = false;
  std::string hls_url;
  uint64_t replayed = 0;       // Q&A events that follow this reply
  bool snapshot = false;       // history too short: a "questions" message with the full list follows instead
  PresenceView presence;       // the room now (presence events only carry changes)
};
struct Left {};
struct Pong { int64_t time_ms = 0; };
struct Ok { std::optional<uint64_t> question_id; };
struct ErrorReply { common::ErrorCode code = common::ErrorCode::Internal; std::string message; };
struct Questions { QuestionOrder order = QuestionOrder::Votes; uint64_t last_seq = 0; bool moderation = false;
                   std::vector<QuestionView> questions; };
// Events (no "re").
struct BroadcastStarted { std::string room; std::string hls_url; std::string whep_url; };
struct BroadcastStopped { std::string room; };
struct Presence { std::string room; PresenceView presence; };
struct QnaEvent {
  uint64_t seq = 0;
  std::string action;  // asked, approved, upvoted, answered, dismissed, reopened, pinned, unpinned, moderation
  std::optional<QuestionView> question;
  std::optional<bool> moderation;  // for action "moderation"
};
struct QnaState { std::string room; bool open = true; };  // an admin closed or reopened the room's Q&A

using ServerBody = std::variant<AuthOk, Joined, Resumed, Left, Pong, Ok, ErrorReply, Questions, BroadcastStarted,
                                BroadcastStopped, Presence, QnaEvent, QnaState>;

struct ServerMessage {
  std::string re;  // the request id this answers; empty for events
  ServerBody body;
};

}  // namespace airclass::signaling::protocol
