#include "signaling/qna_board.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace airclass::signaling {
namespace {

using common::Error;
using common::ErrorCode;
using protocol::QuestionState;

size_t utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string trimmed(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(ws);
  return s.substr(a, b - a + 1);
}

}  // namespace

QnaBoard::QnaBoard(std::string room, Limits limits, std::vector<Question> loaded)
    : room_(std::move(room)), limits_(limits) {
  if (limits_.history == 0) limits_.history = 1;
  for (auto& q : loaded) questions_.emplace(q.id, std::move(q));
  trim();
}

protocol::QuestionView QnaBoard::view(const Question& q, bool moderator) {
  protocol::QuestionView v;
  v.id = q.id;
  v.text = q.text;
  v.anonymous = q.anonymous;
  if (moderator || !q.anonymous) {
    v.author = q.author;
    v.author_name = q.author_name;
  }
  v.votes = q.votes();
  v.state = q.state;
  v.pinned = q.pinned;
  v.answer = q.answer;
  v.created_ms = q.created_ms;
  v.answered_ms = q.answered_ms;
  return v;
}

Question& QnaBoard::find(uint64_t id) {
  auto it = questions_.find(id);
  if (it == questions_.end()) throw Error(ErrorCode::NotFound, "no question " + std::to_string(id) + " in this room");
  return it->second;
}

const Question& QnaBoard::question(uint64_t id) const {
  auto it = questions_.find(id);
  if (it == questions_.end()) throw Error(ErrorCode::NotFound, "no question " + std::to_string(id) + " in this room");
  return it->second;
}

const QnaBoard::Event& QnaBoard::record(std::string action, const Question* q, bool moderators_only) {
  Event e;
  e.seq = ++seq_;
  e.action = std::move(action);
  if (q) {
    e.for_moderators = view(*q, true);
    e.for_classmates = view(*q, false);
  }
  e.moderators_only = moderators_only;
  events_.push_back(std::move(e));
  trim();
  return events_.back();
}

void QnaBoard::trim() {
  while (events_.size() > limits_.history) events_.pop_front();
  while (questions_.size() > limits_.history) questions_.erase(questions_.begin());
}

const QnaBoard::Event& QnaBoard::ask(const common::Claims& who, const std::string& raw_text, bool anonymous,
                                     uint64_t new_id, uint64_t session_id, int64_t now_ms) {
  std::string text = trimmed(raw_text);
  if (text.empty()) throw Error(ErrorCode::BadRequest, "ask: the question is empty");
  if (utf8Chars(text) > static_cast<size_t>(limits_.max_chars)) {
    throw Error(ErrorCode::TooLarge, "ask: a question holds at most " + std::to_string(limits_.max_chars) +
                                         " characters");
  }
  auto& times = recent_asks_[who.sub];
  while (!times.empty() && now_ms - times.front() >= 60'000) times.pop_front();
  if (times.size() >= static_cast<size_t>(std::max(limits_.per_minute, 0))) {
    throw Error(ErrorCode::RateLimited,
                "ask: at most " + std::to_string(limits_.per_minute) + " questions per minute");
  }
  times.push_back(now_ms);
  // Keep the rate-limit table from growing without bound: forget users idle for a minute.
  if (recent_asks_.size() > 4 * limits_.history) {
    std::erase_if(recent_asks_, [&](const auto& kv) { return kv.second.empty() || now_ms - kv.second.back() >= 60'000; });
  }

  Question q;
  q.id = new_id;
  q.room = room_;
  q.session_id = session_id;
  q.author = who.sub;
  q.author_name = who.name;
  q.anonymous = anonymous;
  q.text = std::move(text);
  q.created_ms = now_ms;
  q.state = moderation_ && who.role == common::Role::Student ? QuestionState::Pending : QuestionState::Open;
  auto [it, inserted] = questions_.emplace(q.id, std::move(q));
  if (!inserted) throw Error(ErrorCode::Internal, "ask: duplicate question id");
  const Question& stored = it->second;
  return record("asked", &stored, stored.state == QuestionState::Pending);
}

const QnaBoard::Event& QnaBoard::upvote(const common::Claims& who, uint64_t id) {
  Question& q = find(id);
  if (q.state == QuestionState::Pending || q.state == QuestionState::Dismissed) {
    throw Error(ErrorCode::Conflict, "upvote: the question is not open");
  }
  if (!q.voters.insert(who.sub).second) throw Error(ErrorCode::Conflict, "upvote: you already voted for it");
  return record("upvoted", &q);
}

const QnaBoard::Event& QnaBoard::answer(uint64_t id, std::optional<std::string> text, int64_t now_ms) {
  Question& q = find(id);
  if (q.state == QuestionState::Pending) throw Error(ErrorCode::Conflict, "answer: approve the question first");
  if (text && utf8Chars(*text) > static_cast<size_t>(limits_.max_chars) * 4) {
    throw Error(ErrorCode::TooLarge, "answer: the answer is too long");
  }
  q.state = QuestionState::Answered;
  if (text && !trimmed(*text).empty()) q.answer = trimmed(*text);
  q.answered_ms = now_ms;
  return record("answered", &q);
}

const QnaBoard::Event& QnaBoard::dismiss(uint64_t id) {
  Question& q = find(id);
  if (q.state == QuestionState::Dismissed) throw Error(ErrorCode::Conflict, "dismiss: already dismissed");
  bool was_pending = q.state == QuestionState::Pending;
  q.state = QuestionState::Dismissed;
  q.pinned = false;
  return record("dismissed", &q, was_pending);
}

const QnaBoard::Event& QnaBoard::reopen(uint64_t id) {
  Question& q = find(id);
  if (q.state == QuestionState::Open || q.state == QuestionState::Pending) {
    throw Error(ErrorCode::Conflict, "reopen: the question is already open");
  }
  q.state = QuestionState::Open;
  return record("reopened", &q);
}

const QnaBoard::Event& QnaBoard::pin(uint64_t id, bool pinned) {
  Question& q = find(id);
  if (pinned && (q.state == QuestionState::Pending || q.state == QuestionState::Dismissed)) {
    throw Error(ErrorCode::Conflict, "pin: only visible questions can be pinned");
  }
  q.pinned = pinned;
  return record(pinned ? "pinned" : "unpinned", &q);
}

const QnaBoard::Event& QnaBoard::approve(uint64_t id) {
  Question& q = find(id);
  if (q.state != QuestionState::Pending) throw Error(ErrorCode::Conflict, "approve: the question is not pending");
  q.state = QuestionState::Open;
  return record("approved", &q);
}

const QnaBoard::Event& QnaBoard::setModeration(bool enabled) {
  moderation_ = enabled;
  const Event& e = record("moderation", nullptr);
  events_.back().moderation = enabled;
  return e;
}

std::vector<protocol::QuestionView> QnaBoard::snapshot(bool moderator, protocol::QuestionOrder order) const {
  std::vector<const Question*> list;
  for (const auto& [id, q] : questions_) {
    bool hidden = q.state == QuestionState::Pending || q.state == QuestionState::Dismissed;
    if (moderator || !hidden) list.push_back(&q);
  }
  std::stable_sort(list.begin(), list.end(), [&](const Question* a, const Question* b) {
    if (a->pinned != b->pinned) return a->pinned;
    if (order == protocol::QuestionOrder::Votes) {
      if (a->votes() != b->votes()) return a->votes() > b->votes();
      return a->id < b->id;
    }
    return a->id > b->id;  // newest first
  });
  std::vector<protocol::QuestionView> out;
  out.reserve(list.size());
  for (const Question* q : list) out.push_back(view(*q, moderator));
  return out;
}

std::optional<std::vector<const QnaBoard::Event*>> QnaBoard::since(uint64_t seq) const {
  if (seq > seq_) return std::nullopt;
  std::vector<const Event*> out;
  if (seq == seq_) return out;
  if (events_.empty() || events_.front().seq > seq + 1) return std::nullopt;
  for (const auto& e : events_) {
    if (e.seq > seq) out.push_back(&e);
  }
  return out;
}

}  // namespace airclass::signaling
