// Durable signaling state in SQLite (WAL): class sessions, attendance intervals, questions and votes. Writes are
// posted from the lws thread to the store's own thread through a bounded queue and committed in batches (each
// batch is committed as soon as the queue drains, so at least once a second under any load); reads run on the
// store thread in order after earlier writes, and the caller waits for them. Public methods: any one thread
// (the lws service thread) plus the constructor's thread.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "signaling/attendance_report.hpp"
#include "signaling/audience.hpp"
#include "signaling/audit_entry.hpp"
#include "signaling/question.hpp"

namespace airclass::signaling {

class SqliteDb;

class SignalingStore {
 public:
  struct NextIds {
    uint64_t session = 1;
    uint64_t interval = 1;
    uint64_t question = 1;
  };

  // Opens (creating) the database at `path`, sets WAL, creates the schema, then recovers from a crash: intervals
  // left open are closed at their last heartbeat and sessions left open at their last sign of life. Throws
  // common::Error on failure. `queue_limit` bounds queued operations.
  SignalingStore(const std::string& path, size_t queue_limit = 65536);
  // Commits what is queued and stops the thread. Does not close open intervals (a clean shutdown does that
  // through the service first), so destroying the store without it is what a crash leaves behind.
  ~SignalingStore();
  SignalingStore(const SignalingStore&) = delete;
  SignalingStore& operator=(const SignalingStore&) = delete;

  NextIds nextIds() const { return next_ids_; }
  int recoveredIntervals() const { return recovered_intervals_; }

  // Writes (asynchronous, in order).
  void insertSession(const SessionRecord& session);
  void sessionAlive(uint64_t session_id, int64_t now_ms, int peak);
  void endSession(uint64_t session_id, int64_t ended_ms, int peak);
  void openInterval(const IntervalRecord& interval);
  void touchInterval(uint64_t interval_id, int64_t now_ms);  // heartbeat; dropped when the queue is 3/4 full
  void resumeInterval(uint64_t interval_id, int64_t now_ms);
  void closeInterval(uint64_t interval_id, int64_t leave_ms);
  void saveQuestion(const Question& question);  // insert or update, without votes
  void addVote(uint64_t question_id, const std::string& user);
  void insertViewerSamples(std::vector<Audience::MinuteSample> samples);  // also drops samples older than 8 days
  void insertAudit(const AuditEntry& entry);

  // Reads (synchronous: wait for the store thread; they see every write posted before them).
  std::vector<Question> loadQuestions(const std::string& room, size_t limit);  // newest `limit`, oldest first
  std::vector<SessionRecord> sessions(const std::string& room, size_t limit);  // newest first
  std::optional<SessionRecord> session(const std::string& room, uint64_t session_id);
  std::vector<IntervalRecord> intervals(uint64_t session_id);
  std::vector<Audience::MinuteSample> viewerSamples(const std::string& room, int64_t since_ms);  // oldest first
  std::vector<AuditEntry> audit(size_t limit);  // newest first

  void flush();  // wait until everything posted so far is committed
  uint64_t droppedWrites() const { return dropped_; }

 private:
  using Op = std::function<void(SqliteDb&)>;
  void post(Op op, bool droppable = false);
  template <class T>
  T query(std::function<T(SqliteDb&)> fn);
  void run();
  void openSchema();

  std::unique_ptr<SqliteDb> db_;
  NextIds next_ids_;
  int recovered_intervals_ = 0;
  size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable space_;
  std::deque<Op> queue_;
  bool stopping_ = false;
  uint64_t dropped_ = 0;
  std::vector<std::function<void()>> after_commit_;  // store thread only
  std::thread thread_;
};

}  // namespace airclass::signaling
