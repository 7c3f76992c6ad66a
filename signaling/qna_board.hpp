// One room's Q&A: questions, votes, moderation, per-user ask rate limits and a bounded history of events for
// resuming clients. Pure domain logic (no I/O); rule violations throw common::Error. Lws service thread.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/auth.hpp"
#include "signaling/protocol.hpp"
#include "signaling/question.hpp"

namespace airclass::signaling {

class QnaBoard {
 public:
  struct Limits {
    size_t history = 500;        // questions kept in memory and events kept for resume
    int max_chars = 500;         // characters (UTF-8 code points) per question
    int per_minute = 5;          // questions per user per minute
  };

  // A change everyone (or only moderators) must hear about, with both renderings precomputed.
  struct Event {
    uint64_t seq = 0;
    std::string action;
    std::optional<protocol::QuestionView> for_moderators;
    std::optional<protocol::QuestionView> for_classmates;
    std::optional<bool> moderation;
    bool moderators_only = false;  // e.g. a question waiting for approval
  };

  QnaBoard(std::string room, Limits limits, std::vector<Question> loaded);

  // Each returns the event to broadcast; the changed question is question(id). Throws common::Error.
  const Event& ask(const common::Claims& who, const std::string& text, bool anonymous, uint64_t new_id,
                   uint64_t session_id, int64_t now_ms);
  const Event& upvote(const common::Claims& who, uint64_t id);
  const Event& answer(uint64_t id, std::optional<std::string> text, int64_t now_ms);
  const Event& dismiss(uint64_t id);
  const Event& reopen(uint64_t id);
  const Event& pin(uint64_t id, bool pinned);
  const Event& approve(uint64_t id);
  const Event& setModeration(bool enabled);

  const Question& question(uint64_t id) const;
  std::vector<protocol::QuestionView> snapshot(bool moderator, protocol::QuestionOrder order) const;
  // Events after `seq` for a resuming client, or nullopt when the history no longer reaches back that far.
  std::optional<std::vector<const Event*>> since(uint64_t seq) const;
  uint64_t lastSeq() const { return seq_; }
  bool moderation() const { return moderation_; }

  static protocol::QuestionView view(const Question& q, bool moderator);

 private:
  Question& find(uint64_t id);
  const Event& record(std::string action, const Question* q, bool moderators_only = false);
  void trim();

  std::string room_;
  Limits limits_;
  std::map<uint64_t, Question> questions_;  // by id (ids grow with time)
  std::deque<Event> events_;
  uint64_t seq_ = 0;
  bool moderation_ = false;
  std::map<std::string, std::deque<int64_t>> recent_asks_;  // user -> ask times within the last minute
};

}  // namespace airclass::signaling
