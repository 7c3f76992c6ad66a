#include "signaling/signaling_store.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/log.hpp"
#include "signaling/sqlite_db.hpp"

namespace airclass::signaling {
namespace {

using protocol::QuestionState;

int64_t stateCode(QuestionState s) { return static_cast<int64_t>(s); }
QuestionState stateFrom(int64_t v) {
  switch (v) {
    case 0: return QuestionState::Pending;
    case 2: return QuestionState::Answered;
    case 3: return QuestionState::Dismissed;
    default: return QuestionState::Open;
  }
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, room TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER,
  last_alive_ms INTEGER NOT NULL, peak INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS sessions_room ON sessions(room, id);
CREATE TABLE IF NOT EXISTS intervals (
  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL,
  join_ms INTEGER NOT NULL, leave_ms INTEGER, last_seen_ms INTEGER NOT NULL, reconnects INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS intervals_session ON intervals(session_id);
CREATE INDEX IF NOT EXISTS intervals_open ON intervals(leave_ms) WHERE leave_ms IS NULL;
CREATE TABLE IF NOT EXISTS questions (
  id INTEGER PRIMARY KEY, room TEXT NOT NULL, session_id INTEGER NOT NULL, author TEXT NOT NULL,
  author_name TEXT NOT NULL, anonymous INTEGER NOT NULL, text TEXT NOT NULL, created_ms INTEGER NOT NULL,
  state INTEGER NOT NULL, pinned INTEGER NOT NULL, answer TEXT, answered_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS questions_room ON questions(room, id);
CREATE TABLE IF NOT EXISTS votes (question_id INTEGER NOT NULL, user TEXT NOT NULL, PRIMARY KEY(question_id, user));
CREATE TABLE IF NOT EXISTS viewer_samples (
  room TEXT NOT NULL, minute_ms INTEGER NOT NULL, viewers INTEGER NOT NULL, PRIMARY KEY(room, minute_ms));
CREATE INDEX IF NOT EXISTS viewer_samples_time ON viewer_samples(minute_ms);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  room TEXT NOT NULL, target TEXT NOT NULL);
)sql";

SessionRecord sessionFrom(const Statement& st) {
  SessionRecord s;
  s.id = static_cast<uint64_t>(st.integer(0));
  s.room = st.text(1);
  s.started_ms = st.integer(2);
  if (!st.isNull(3)) s.ended_ms = st.integer(3);
  s.peak = static_cast<int>(st.integer(4));
  return s;
}

}  // namespace

SignalingStore::SignalingStore(const std::string& path, size_t queue_limit)
    : db_(std::make_unique<SqliteDb>(path)), queue_limit_(queue_limit == 0 ? 1 : queue_limit) {
  openSchema();
  thread_ = std::thread([this] { run(); });
}

SignalingStore::~SignalingStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  space_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SignalingStore::openSchema() {
  SqliteDb& db = *db_;
  db.exec("PRAGMA journal_mode=WAL;");
  db.exec("PRAGMA synchronous=NORMAL;");  // WAL + NORMAL: a committed batch survives a process crash
  db.exec("PRAGMA foreign_keys=OFF;");
  db.exec(kSchema);
  db.exec("BEGIN;");
  {
    auto st = db.prepare("UPDATE intervals SET leave_ms = MAX(join_ms, last_seen_ms) WHERE leave_ms IS NULL");
    st.run();
  }
  {
    auto st = db.prepare("SELECT changes()");
    if (st.step()) recovered_intervals_ = static_cast<int>(st.integer(0));
  }
  db.prepare("UPDATE sessions SET ended_ms = last_alive_ms WHERE ended_ms IS NULL").run();
  db.exec("COMMIT;");
  auto maxId = [&](const char* sql) {
    auto st = db.prepare(sql);
    return st.step() ? static_cast<uint64_t>(st.integer(0)) + 1 : 1;
  };
  next_ids_.session = maxId("SELECT COALESCE(MAX(id), 0) FROM sessions");
  next_ids_.interval = maxId("SELECT COALESCE(MAX(id), 0) FROM intervals");
  next_ids_.question = maxId("SELECT COALESCE(MAX(id), 0) FROM questions");
  if (recovered_intervals_ > 0) {
    common::log::warn("signaling", "store", "closed intervals left open by a crash at their last heartbeat",
                      {{"count", std::to_string(recovered_intervals_)}});
  }
}

void SignalingStore::post(Op op, bool droppable) {
  std::unique_lock lock(mutex_);
  if (droppable && queue_.size() >= queue_limit_ * 3 / 4) {
    ++dropped_;
    return;
  }
  space_.wait(lock, [&] { return stopping_ || queue_.size() < queue_limit_; });
  if (stopping_) return;
  queue_.push_back(std::move(op));
  lock.unlock();
  wake_.notify_one();
}

template <class T>
T SignalingStore::query(std::function<T(SqliteDb&)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  post([promise, fn = std::move(fn)](SqliteDb& db) {
    try {
      promise->set_value(fn(db));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  return future.get();
}

void SignalingStore::run() {
  std::deque<Op> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    space_.notify_all();
    try {
      db_->exec("BEGIN;");
      for (auto& op : batch) {
        try {
          op(*db_);
        } catch (const std::exception& e) {
          common::log::error("signaling", "store", "write failed", {{"error", e.what()}});
        }
      }
      db_->exec("COMMIT;");
    } catch (const std::exception& e) {
      common::log::error("signaling", "store", "commit failed", {{"error", e.what()}});
      try {
        db_->exec("ROLLBACK;");
      } catch (...) {
      }
    }
    batch.clear();
    for (auto& done : after_commit_) done();
    after_commit_.clear();
  }
}

void SignalingStore::insertSession(const SessionRecord& s) {
  post([s](SqliteDb& db) {
    db.prepare("INSERT INTO sessions(id, room, started_ms, ended_ms, last_alive_ms, peak) VALUES(?,?,?,NULL,?,?)")
        .bind(1, static_cast<int64_t>(s.id))
        .bind(2, s.room)
        .bind(3, s.started_ms)
        .bind(4, s.started_ms)
        .bind(5, static_cast<int64_t>(s.peak))
        .run();
  });
}

void SignalingStore::sessionAlive(uint64_t id, int64_t now_ms, int peak) {
  post(
      [=](SqliteDb& db) {
        db.prepare("UPDATE sessions SET last_alive_ms = ?, peak = MAX(peak, ?) WHERE id = ? AND ended_ms IS NULL")
            .bind(1, now_ms)
            .bind(2, static_cast<int64_t>(peak))
            .bind(3, static_cast<int64_t>(id))
            .run();
      },
      true);
}

void SignalingStore::endSession(uint64_t id, int64_t ended_ms, int peak) {
  post([=](SqliteDb& db) {
    db.prepare("UPDATE sessions SET ended_ms = ?, last_alive_ms = ?, peak = MAX(peak, ?) WHERE id = ?")
        .bind(1, ended_ms)
        .bind(2, ended_ms)
        .bind(3, static_cast<int64_t>(peak))
        .bind(4, static_cast<int64_t>(id))
        .run();
  });
}

void SignalingStore::openInterval(const IntervalRecord& iv) {
  post([iv](SqliteDb& db) {
    db.prepare(
          "INSERT INTO intervals(id, session_id, user, name, join_ms, leave_ms, last_seen_ms, reconnects) "
          "VALUES(?,?,?,?,?,NULL,?,0)")
        .bind(1, static_cast<int64_t>(iv.id))
        .bind(2, static_cast<int64_t>(iv.session_id))
        .bind(3, iv.user)
        .bind(4, iv.name)
        .bind(5, iv.join_ms)
        .bind(6, iv.join_ms)
        .run();
  });
}

void SignalingStore::touchInterval(uint64_t id, int64_t now_ms) {
  post(
      [=](SqliteDb& db) {
        db.prepare("UPDATE intervals SET last_seen_ms = MAX(last_seen_ms, ?) WHERE id = ? AND leave_ms IS NULL")
            .bind(1, now_ms)
            .bind(2, static_cast<int64_t>(id))
            .run();
      },
      true);
}

void SignalingStore::resumeInterval(uint64_t id, int64_t now_ms) {
  post([=](SqliteDb& db) {
    db.prepare(
          "UPDATE intervals SET reconnects = reconnects + 1, last_seen_ms = MAX(last_seen_ms, ?) "
          "WHERE id = ? AND leave_ms IS NULL")
        .bind(1, now_ms)
        .bind(2, static_cast<int64_t>(id))
        .run();
  });
}

void SignalingStore::closeInterval(uint64_t id, int64_t leave_ms) {
  post([=](SqliteDb& db) {
    db.prepare(
          "UPDATE intervals SET leave_ms = MAX(join_ms, ?), last_seen_ms = MAX(last_seen_ms, ?) "
          "WHERE id = ? AND leave_ms IS NULL")
        .bind(1, leave_ms)
        .bind(2, leave_ms)
        .bind(3, static_cast<int64_t>(id))
        .run();
  });
}

void SignalingStore::saveQuestion(const Question& q) {
  Question copy = q;
  copy.voters.clear();
  post([q = std::move(copy)](SqliteDb& db) {
    db.prepare(
          "INSERT INTO questions(id, room, session_id, author, author_name, anonymous, text, created_ms, state, "
          "pinned, answer, answered_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
          "state = excluded.state, pinned = excluded.pinned, answer = excluded.answer, "
          "answered_ms = excluded.answered_ms")
        .bind(1, static_cast<int64_t>(q.id))
        .bind(2, q.room)
        .bind(3, static_cast<int64_t>(q.session_id))
        .bind(4, q.author)
        .bind(5, q.author_name)
        .bind(6, int64_t{q.anonymous ? 1 : 0})
        .bind(7, q.text)
        .bind(8, q.created_ms)
        .bind(9, stateCode(q.state))
        .bind(10, int64_t{q.pinned ? 1 : 0})
        .bindOptional(11, q.answer)
        .bind(12, q.answered_ms)
        .run();
  });
}

void SignalingStore::addVote(uint64_t question_id, const std::string& user) {
  post([=](SqliteDb& db) {
    db.prepare("INSERT OR IGNORE INTO votes(question_id, user) VALUES(?, ?)")
        .bind(1, static_cast<int64_t>(question_id))
        .bind(2, user)
        .run();
  });
}

std::vector<Question> SignalingStore::loadQuestions(const std::string& room, size_t limit) {
  return query<std::vector<Question>>([room, limit](SqliteDb& db) {
    std::vector<Question> out;
    auto st = db.prepare(
        "SELECT id, session_id, author, author_name, anonymous, text, created_ms, state, pinned, answer, answered_ms "
        "FROM (SELECT * FROM questions WHERE room = ? ORDER BY id DESC LIMIT ?) ORDER BY id");
    st.bind(1, room).bind(2, static_cast<int64_t>(limit));
    while (st.step()) {
      Question q;
      q.id = static_cast<uint64_t>(st.integer(0));
      q.room = room;
      q.session_id = static_cast<uint64_t>(st.integer(1));
      q.author = st.text(2);
      q.author_name = st.text(3);
      q.anonymous = st.integer(4) != 0;
      q.text = st.text(5);
      q.created_ms = st.integer(6);
      q.state = stateFrom(st.integer(7));
      q.pinned = st.integer(8) != 0;
      if (!st.isNull(9)) q.answer = st.text(9);
      q.answered_ms = st.integer(10);
      out.push_back(std::move(q));
    }
    for (auto& q : out) {
      auto v = db.prepare("SELECT user FROM votes WHERE question_id = ?");
      v.bind(1, static_cast<int64_t>(q.id));
      while (v.step()) q.voters.insert(v.text(0));
    }
    return out;
  });
}

std::vector<SessionRecord> SignalingStore::sessions(const std::string& room, size_t limit) {
  return query<std::vector<SessionRecord>>([room, limit](SqliteDb& db) {
    std::vector<SessionRecord> out;
    auto st = db.prepare(
        "SELECT id, room, started_ms, ended_ms, peak FROM sessions WHERE room = ? ORDER BY id DESC LIMIT ?");
    st.bind(1, room).bind(2, static_cast<int64_t>(limit));
    while (st.step()) out.push_back(sessionFrom(st));
    return out;
  });
}

std::optional<SessionRecord> SignalingStore::session(const std::string& room, uint64_t id) {
  return query<std::optional<SessionRecord>>([room, id](SqliteDb& db) -> std::optional<SessionRecord> {
    auto st = db.prepare("SELECT id, room, started_ms, ended_ms, peak FROM sessions WHERE room = ? AND id = ?");
    st.bind(1, room).bind(2, static_cast<int64_t>(id));
    if (!st.step()) return std::nullopt;
    return sessionFrom(st);
  });
}

std::vector<IntervalRecord> SignalingStore::intervals(uint64_t session_id) {
  return query<std::vector<IntervalRecord>>([session_id](SqliteDb& db) {
    std::vector<IntervalRecord> out;
    auto st = db.prepare(
        "SELECT id, session_id, user, name, join_ms, leave_ms, last_seen_ms, reconnects FROM intervals "
        "WHERE session_id = ? ORDER BY id");
    st.bind(1, static_cast<int64_t>(session_id));
    while (st.step()) {
      IntervalRecord iv;
      iv.id = static_cast<uint64_t>(st.integer(0));
      iv.session_id = static_cast<uint64_t>(st.integer(1));
      iv.user = st.text(2);
      iv.name = st.text(3);
      iv.join_ms = st.integer(4);
      if (!st.isNull(5)) iv.leave_ms = st.integer(5);
      iv.last_seen_ms = st.integer(6);
      iv.reconnects = static_cast<int>(st.integer(7));
      out.push_back(std::move(iv));
    }
    return out;
  });
}

void SignalingStore::insertViewerSamples(std::vector<Audience::MinuteSample> samples) {
  post([samples = std::move(samples)](SqliteDb& db) {
    int64_t newest = 0;
    for (const auto& s : samples) {
      db.prepare("INSERT OR REPLACE INTO viewer_samples(room, minute_ms, viewers) VALUES(?,?,?)")
          .bind(1, s.room)
          .bind(2, s.minute_ms)
          .bind(3, int64_t{s.viewers})
          .run();
      newest = std::max(newest, s.minute_ms);
    }
    constexpr int64_t kKeepMs = 8LL * 86'400'000;
    db.prepare("DELETE FROM viewer_samples WHERE minute_ms < ?").bind(1, newest - kKeepMs).run();
  });
}

void SignalingStore::insertAudit(const AuditEntry& e) {
  post([e](SqliteDb& db) {
    db.prepare("INSERT INTO audit(time_ms, actor, action, room, target) VALUES(?,?,?,?,?)")
        .bind(1, e.time_ms)
        .bind(2, e.actor)
        .bind(3, e.action)
        .bind(4, e.room)
        .bind(5, e.target)
        .run();
  });
}

std::vector<Audience::MinuteSample> SignalingStore::viewerSamples(const std::string& room, int64_t since_ms) {
  return query<std::vector<Audience::MinuteSample>>([room, since_ms](SqliteDb& db) {
    std::vector<Audience::MinuteSample> out;
    auto st = db.prepare(
        "SELECT minute_ms, viewers FROM viewer_samples WHERE room = ? AND minute_ms >= ? ORDER BY minute_ms");
    st.bind(1, room).bind(2, since_ms);
    while (st.step()) out.push_back(Audience::MinuteSample{room, st.integer(0), static_cast<int>(st.integer(1))});
    return out;
  });
}

std::vector<AuditEntry> SignalingStore::audit(size_t limit) {
  return query<std::vector<AuditEntry>>([limit](SqliteDb& db) {
    std::vector<AuditEntry> out;
    auto st = db.prepare("SELECT time_ms, actor, action, room, target FROM audit ORDER BY id DESC LIMIT ?");
    st.bind(1, static_cast<int64_t>(limit));
    while (st.step()) out.push_back(AuditEntry{st.integer(0), st.text(1), st.text(2), st.text(3), st.text(4)});
    return out;
  });
}

void SignalingStore::flush() {
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future();
  post([this, promise](SqliteDb&) { after_commit_.push_back([promise] { promise->set_value(); }); });
  future.wait();
}

}  // namespace airclass::signaling
