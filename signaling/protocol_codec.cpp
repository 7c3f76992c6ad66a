#include "signaling/protocol_codec.hpp"

#include <nlohmann/json.hpp>

namespace airclass::signaling::protocol {
namespace {

using json = nlohmann::json;
using common::ErrorCode;

constexpr size_t kMaxResumeTokenChars = 128;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Nesting depth of JSON text, counted outside strings; stops early past `limit`.
bool depthWithin(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return true;
}

struct FieldError {
  std::string message;
};

const json& field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) throw FieldError{std::string("missing field \"") + name + "\""};
  return *it;
}

std::string stringField(const json& obj, const char* name, size_t max_chars, bool allow_empty = false) {
  const json& v = field(obj, name);
  if (!v.is_string()) throw FieldError{std::string("field \"") + name + "\" must be a string"};
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_chars) throw FieldError{std::string("field \"") + name + "\" is too long"};
  if (s.empty() && !allow_empty) throw FieldError{std::string("field \"") + name + "\" is empty"};
  return s;
}

std::optional<std::string> optionalString(const json& obj, const char* name, size_t max_chars) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  return stringField(obj, name, max_chars, true);
}

uint64_t idField(const json& obj, const char* name) {
  const json& v = field(obj, name);
  if (!v.is_number_unsigned()) throw FieldError{std::string("field \"") + name + "\" must be a non-negative integer"};
  return v.get<uint64_t>();
}

bool boolField(const json& obj, const char* name, std::optional<bool> fallback) {
  auto it = obj.find(name);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    throw FieldError{std::string("missing field \"") + name + "\""};
  }
  if (!it->is_boolean()) throw FieldError{std::string("field \"") + name + "\" must be a boolean"};
  return it->get<bool>();
}

bool validRoom(const std::string& room) {
  if (room.empty() || room.size() > kMaxRoomChars) return false;
  for (char c : room) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

ClientBody decodeBody(const std::string& type, const json& j, size_t max_bytes) {
  if (type == "auth") return Auth{stringField(j, "token", common::kMaxTokenBytes)};
  if (type == "join") {
    std::string room = stringField(j, "room", kMaxRoomChars);
    if (!validRoom(room)) throw FieldError{"field \"room\" may only hold letters, digits, '-', '_' and '.'"};
    return Join{room};
  }
  if (type == "leave") return Leave{};
  if (type == "resume") {
    Resume r{stringField(j, "resume_token", kMaxResumeTokenChars), 0};
    if (j.contains("last_seq")) r.last_seq = idField(j, "last_seq");
    return r;
  }
  if (type == "ping") return Ping{};
  if (type == "ask") return Ask{stringField(j, "text", max_bytes), boolField(j, "anonymous", false)};
  if (type == "upvote") return Upvote{idField(j, "question_id")};
  if (type == "answer") return Answer{idField(j, "question_id"), optionalString(j, "text", max_bytes)};
  if (type == "dismiss") return Dismiss{idField(j, "question_id")};
  if (type == "reopen") return Reopen{idField(j, "question_id")};
  if (type == "pin") return Pin{idField(j, "question_id"), boolField(j, "pinned", true)};
  if (type == "approve") return Approve{idField(j, "question_id")};
  if (type == "set_moderation") return SetModeration{boolField(j, "enabled", std::nullopt)};
  if (type == "list_questions") {
    ListQuestions l;
    if (auto order = optionalString(j, "order", 16)) {
      if (*order == "votes") {
        l.order = QuestionOrder::Votes;
      } else if (*order == "time") {
        l.order = QuestionOrder::Time;
      } else {
        throw FieldError{"field \"order\" must be \"votes\" or \"time\""};
      }
    }
    return l;
  }
  if (type == "subscribe_stats") return SubscribeStats{boolField(j, "enabled", true)};
  throw DecodeError{ErrorCode::Unsupported, "unknown message type \"" + type.substr(0, 32) + "\"", {}};
}

json toJson(const ParticipantView& p) {
  return json{{"user", p.user}, {"name", p.name}, {"role", common::toString(p.role)}};
}

json toJson(const Counts& c) {
  return json{{"teacher", c.teachers}, {"student", c.students}, {"admin", c.admins}, {"total", c.total()}};
}

json toJson(const PresenceView& p) {
  json j{{"counts", toJson(p.counts)}};
  if (p.participants) {
    json list = json::array();
    for (const auto& x : *p.participants) list.push_back(toJson(x));
    j["participants"] = std::move(list);
  }
  return j;
}

json toJson(const QuestionView& q) {
  json j{{"id", q.id},           {"text", q.text},   {"anonymous", q.anonymous},
         {"votes", q.votes},     {"state", toString(q.state)}, {"pinned", q.pinned},
         {"created_ms", q.created_ms}};
  if (q.author) j["author"] = *q.author;
  if (q.author_name) j["author_name"] = *q.author_name;
  if (q.answer) j["answer"] = *q.answer;
  if (q.answered_ms) j["answered_ms"] = q.answered_ms;
  return j;
}

json toJson(const std::vector<QuestionView>& qs) {
  json list = json::array();
  for (const auto& q : qs) list.push_back(toJson(q));
  return list;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string_view toString(QuestionOrder order) { return order == QuestionOrder::Votes ? "votes" : "time"; }

std::string_view toString(QuestionState state) {
  switch (state) {
    case QuestionState::Pending: return "pending";
    case QuestionState::Open: return "open";
    case QuestionState::Answered: return "answered";
    case QuestionState::Dismissed: return "dismissed";
  }
  return "open";
}

std::string_view typeName(const ClientBody& body) {
  return std::visit(Overloaded{
                        [](const Auth&) { return "auth"; },
                        [](const Join&) { return "join"; },
                        [](const Leave&) { return "leave"; },
                        [](const Resume&) { return "resume"; },
                        [](const Ping&) { return "ping"; },
                        [](const Ask&) { return "ask"; },
                        [](const Upvote&) { return "upvote"; },
                        [](const Answer&) { return "answer"; },
                        [](const Dismiss&) { return "dismiss"; },
                        [](const Reopen&) { return "reopen"; },
                        [](const Pin&) { return "pin"; },
                        [](const Approve&) { return "approve"; },
                        [](const SetModeration&) { return "set_moderation"; },
                        [](const ListQuestions&) { return "list_questions"; },
                        [](const SubscribeStats&) { return "subscribe_stats"; },
                    },
                    body);
}

std::string_view typeName(const ServerBody& body) {
  return std::visit(Overloaded{
                        [](const AuthOk&) { return "auth_ok"; },
                        [](const Joined&) { return "joined"; },
                        [](const Resumed&) { return "resumed"; },
                        [](const Left&) { return "left"; },
                        [](const Pong&) { return "pong"; },
                        [](const Ok&) { return "ok"; },
                        [](const ErrorReply&) { return "error"; },
                        [](const Questions&) { return "questions"; },
                        [](const BroadcastStarted&) { return "broadcast_started"; },
                        [](const BroadcastStopped&) { return "broadcast_stopped"; },
                        [](const Presence&) { return "presence"; },
                        [](const QnaEvent&) { return "qna"; },
                        [](const QnaState&) { return "qna_state"; },
                    },
                    body);
}

DecodeResult decodeClient(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return DecodeError{ErrorCode::TooLarge, "message larger than " + std::to_string(max_bytes) + " bytes", {}};
  }
  if (!depthWithin(text, kMaxJsonDepth)) return DecodeError{ErrorCode::BadRequest, "JSON nested too deeply", {}};
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return DecodeError{ErrorCode::BadRequest, "malformed JSON", {}};
  if (!j.is_object()) return DecodeError{ErrorCode::BadRequest, "a message must be a JSON object", {}};
  std::string id;
  if (auto it = j.find("id"); it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty() &&
                              it->get_ref<const std::string&>().size() <= kMaxRequestIdChars) {
    id = it->get<std::string>();
  }
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer()) {
    return DecodeError{ErrorCode::BadRequest, "missing protocol version \"v\"", id};
  }
  if (v->get<int64_t>() != kVersion) {
    return DecodeError{ErrorCode::Unsupported, "unsupported protocol version (this server speaks v1)", id};
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return DecodeError{ErrorCode::BadRequest, "missing \"type\"", id};
  if (id.empty()) {
    return DecodeError{ErrorCode::BadRequest, "missing or invalid request id \"id\" (1-64 characters)", {}};
  }
  try {
    return ClientMessage{id, decodeBody(type->get<std::string>(), j, max_bytes)};
  } catch (const FieldError& e) {
    return DecodeError{ErrorCode::BadRequest, e.message, id};
  } catch (DecodeError& e) {
    e.id = id;
    return e;
  }
}

std::string encodeClient(const ClientMessage& message) {
  json j{{"v", kVersion}, {"type", typeName(message.body)}, {"id", message.id}};
  std::visit(Overloaded{
                 [&](const Auth& m) { j["token"] = m.token; },
                 [&](const Join& m) { j["room"] = m.room; },
                 [](const Leave&) {},
                 [&](const Resume& m) {
                   j["resume_token"] = m.resume_token;
                   j["last_seq"] = m.last_seq;
                 },
                 [](const Ping&) {},
                 [&](const Ask& m) {
                   j["text"] = m.text;
                   j["anonymous"] = m.anonymous;
                 },
                 [&](const Upvote& m) { j["question_id"] = m.question_id; },
                 [&](const Answer& m) {
                   j["question_id"] = m.question_id;
                   if (m.text) j["text"] = *m.text;
                 },
                 [&](const Dismiss& m) { j["question_id"] = m.question_id; },
                 [&](const Reopen& m) { j["question_id"] = m.question_id; },
                 [&](const Pin& m) {
                   j["question_id"] = m.question_id;
                   j["pinned"] = m.pinned;
                 },
                 [&](const Approve& m) { j["question_id"] = m.question_id; },
                 [&](const SetModeration& m) { j["enabled"] = m.enabled; },
                 [&](const ListQuestions& m) { j["order"] = toString(m.order); },
                 [&](const SubscribeStats& m) { j["enabled"] = m.enabled; },
             },
             message.body);
  return dump(j);
}

std::string encodeServer(const ServerMessage& message) {
  json j{{"v", kVersion}, {"type", typeName(message.body)}};
  if (!message.re.empty()) j["re"] = message.re;
  std::visit(Overloaded{
                 [&](const AuthOk& m) {
                   j["user"] = m.user;
                   j["name"] = m.name;
                   j["role"] = common::toString(m.role);
                   if (!m.room.empty()) j["room"] = m.room;
                 },
                 [&](const Joined& m) {
                   j["room"] = m.room;
                   j["role"] = common::toString(m.role);
                   j["resume_token"] = m.resume_token;
                   j["live"] = m.live;
                   if (!m.hls_url.empty()) j["hls_url"] = m.hls_url;
                   if (m.session_id) j["session_id"] = m.session_id;
                   j["last_seq"] = m.last_seq;
                   j["moderation"] = m.moderation;
                   j["presence"] = toJson(m.presence);
                   j["questions"] = toJson(m.questions);
                   if (m.question_max_chars > 0) j["question_max_chars"] = m.question_max_chars;
                 },
                 [&](const Resumed& m) {
                   j["room"] = m.room;
                   j["resume_token"] = m.resume_token;
                   j["live"] = m.live;
                   if (!m.hls_url.empty()) j["hls_url"] = m.hls_url;
                   j["replayed"] = m.replayed;
                   j["snapshot"] = m.snapshot;
                   j["presence"] = toJson(m.presence);
                 },
                 [](const Left&) {},
                 [&](const Pong& m) { j["time_ms"] = m.time_ms; },
                 [&](const Ok& m) {
                   if (m.question_id) j["question_id"] = *m.question_id;
                 },
                 [&](const ErrorReply& m) {
                   j["code"] = common::toString(m.code);
                   j["message"] = m.message;
                 },
                 [&](const Questions& m) {
                   j["order"] = toString(m.order);
                   j["last_seq"] = m.last_seq;
                   j["moderation"] = m.moderation;
                   j["questions"] = toJson(m.questions);
                 },
                 [&](const BroadcastStarted& m) {
                   j["room"] = m.room;
                   j["hls_url"] = m.hls_url;
                   j["whep_url"] = m.whep_url;
                 },
                 [&](const BroadcastStopped& m) { j["room"] = m.room; },
                 [&](const Presence& m) {
                   j["room"] = m.room;
                   j["presence"] = toJson(m.presence);
                 },
                 [&](const QnaEvent& m) {
                   j["seq"] = m.seq;
                   j["action"] = m.action;
                   if (m.question) j["question"] = toJson(*m.question);
                   if (m.moderation) j["moderation"] = *m.moderation;
                 },
                 [&](const QnaState& m) {
                   j["room"] = m.room;
                   j["open"] = m.open;
                 },
             },
             message.body);
  return dump(j);
}

}  // namespace airclass::signaling::protocol
