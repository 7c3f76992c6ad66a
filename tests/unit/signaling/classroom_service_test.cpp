#include "signaling/classroom_service.hpp"

#include <gtest/gtest.h>

#include "signaling/clock.hpp"
#include "signaling_test_support.hpp"

namespace airclass::signaling {
namespace {

using common::Role;
using json = nlohmann::json;
using testing::kSecret;
using testing::RecordingSink;
using testing::TempDir;
using testing::token;

class ClassroomTest : public ::testing::Test {
 protected:
  void SetUp() override { make(); }
  void make() {
    svc.reset();
    store = std::make_unique<SignalingStore>(dir.file("signaling.db"));
    svc = std::make_unique<ClassroomService>(settings, kSecret, clock, *store, sink);
  }

  json send(PeerId p, json j) {
    j["v"] = 1;
    if (!j.contains("id")) j["id"] = "r" + std::to_string(++request_);
    svc->onMessage(p, j.dump());
    return sink.last(p);
  }
  PeerId connect(Role role, const std::string& room, const std::string& user) {
    PeerId p = next_++;
    svc->onOpen(p, "");
    json r = send(p, {{"type", "auth"}, {"token", token(role, room, user)}});
    EXPECT_EQ(r["type"], "auth_ok") << r;
    return p;
  }
  PeerId joinAs(Role role, const std::string& room, const std::string& user) {
    PeerId p = connect(role, room, user);
    json r = send(p, {{"type", "join"}, {"room", room}});
    EXPECT_EQ(r["type"], "joined") << r;
    return p;
  }
  json ask(PeerId p, const std::string& text, bool anonymous = false) {
    return send(p, {{"type", "ask"}, {"text", text}, {"anonymous", anonymous}});
  }

  TempDir dir;
  ManualClock clock;
  RecordingSink sink;
  ClassroomService::Settings settings;
  std::unique_ptr<SignalingStore> store;
  std::unique_ptr<ClassroomService> svc;
  PeerId next_ = 1;
  int request_ = 0;
};

TEST_F(ClassroomTest, AuthWithFirstMessageOrHeader) {
  PeerId a = connect(Role::Student, "math", "s1");
  EXPECT_EQ(sink.of(a, "auth_ok")[0]["user"], "s1");
  svc->onOpen(50, "Bearer " + token(Role::Teacher, "math", "t1"));
  EXPECT_EQ(sink.last(50)["type"], "auth_ok");
  EXPECT_EQ(send(50, {{"type", "join"}, {"room", "math"}})["type"], "joined");
  EXPECT_TRUE(sink.closed.empty());
}

TEST_F(ClassroomTest, MessagesBeforeAuthAreRejectedAndClosed) {
  svc->onOpen(1, "");
  json r = send(1, {{"type", "join"}, {"room", "math"}, {"id", "j1"}});
  EXPECT_EQ(r["type"], "error");
  EXPECT_EQ(r["code"], "unauthorized");
  EXPECT_EQ(r["re"], "j1");
  EXPECT_EQ(sink.closed.at(1), CloseCode::PolicyViolation);
  EXPECT_EQ(svc->connectionCount(), 0u);
}

TEST_F(ClassroomTest, BadTokensAreRejectedAndClosed) {
  svc->onOpen(1, "");
  EXPECT_EQ(send(1, {{"type", "auth"}, {"token", "garbage"}})["code"], "unauthorized");
  EXPECT_TRUE(sink.closed.count(1));
  svc->onOpen(2, "Basic abc");
  EXPECT_TRUE(sink.closed.count(2));
  svc->onOpen(3, "");
  common::Claims c{"s", "S", Role::Student, "math", 10, 1};  // long expired
  EXPECT_EQ(send(3, {{"type", "auth"}, {"token", common::mintToken(c, kSecret)}})["code"], "unauthorized");
}

TEST_F(ClassroomTest, GarbageAfterAuthIsATypedErrorNotAClose) {
  PeerId p = connect(Role::Student, "math", "s1");
  svc->onMessage(p, "{{{{");
  EXPECT_EQ(sink.last(p)["code"], "bad_request");
  EXPECT_EQ(send(p, {{"type", "warp"}, {"id", "w"}})["code"], "unsupported");
  EXPECT_EQ(sink.last(p)["re"], "w");
  svc->onMessageTooLarge(p);
  EXPECT_EQ(sink.last(p)["code"], "too_large");
  EXPECT_EQ(send(p, {{"type", "ask"}, {"text", "hi"}})["code"], "conflict");  // not joined yet
  EXPECT_TRUE(sink.closed.empty());
}

TEST_F(ClassroomTest, RoomAndRoleRules) {
  PeerId s = connect(Role::Student, "math", "s1");
  json r = send(s, {{"type", "join"}, {"room", "physics"}});
  EXPECT_EQ(r["code"], "forbidden");
  EXPECT_EQ(send(s, {{"type", "subscribe_stats"}})["code"], "forbidden");
  PeerId admin = connect(Role::Admin, "", "root");
  EXPECT_EQ(send(admin, {{"type", "join"}, {"room", "physics"}})["type"], "joined");
  PeerId t = connect(Role::Teacher, "math", "t1");
  EXPECT_EQ(send(t, {{"type", "join"}, {"room", "physics"}})["code"], "forbidden");
}

TEST_F(ClassroomTest, PresenceTeacherSeesRosterStudentsACount) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  json joined = sink.of(s1, "joined")[0];
  EXPECT_EQ(joined["presence"]["counts"]["total"], 2);
  EXPECT_FALSE(joined["presence"].contains("participants"));
  EXPECT_EQ(joined["question_max_chars"], settings.question_max_chars);  // pages show the ask limit
  sink.clear();
  svc->tick();
  json to_teacher = sink.of(t, "presence").at(0);
  json to_student = sink.of(s1, "presence").at(0);
  EXPECT_EQ(to_teacher["presence"]["participants"].size(), 2u);
  EXPECT_EQ(to_teacher["presence"]["counts"]["student"], 1);
  EXPECT_FALSE(to_student["presence"].contains("participants"));
  EXPECT_EQ(to_student["presence"]["counts"]["teacher"], 1);
}

TEST_F(ClassroomTest, RosterForStudentsIsConfigurable) {
  settings.students_see_roster = true;
  make();
  joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  EXPECT_EQ(sink.of(s1, "joined")[0]["presence"]["participants"].size(), 2u);
}

TEST_F(ClassroomTest, CountChangesAreCoalescedToOnePerSecond) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  svc->tick();
  sink.clear();
  clock.advanceMs(1000);
  for (int i = 0; i < 5; ++i) joinAs(Role::Student, "math", "s" + std::to_string(i));
  svc->tick();
  EXPECT_EQ(sink.of(t, "presence").size(), 1u);
  EXPECT_EQ(sink.of(t, "presence")[0]["presence"]["counts"]["student"], 5);
  for (int i = 5; i < 10; ++i) joinAs(Role::Student, "math", "s" + std::to_string(i));
  clock.advanceMs(500);
  svc->tick();
  EXPECT_EQ(sink.of(t, "presence").size(), 1u);  // not yet: within the second
  clock.advanceMs(500);
  svc->tick();
  ASSERT_EQ(sink.of(t, "presence").size(), 2u);
  EXPECT_EQ(sink.of(t, "presence")[1]["presence"]["counts"]["student"], 10);
  clock.advanceMs(5000);
  svc->tick();
  EXPECT_EQ(sink.of(t, "presence").size(), 2u);  // nothing changed: nothing sent
}

TEST_F(ClassroomTest, HeartbeatTimeoutRemovesAVanishedClientWithin30s) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s = joinAs(Role::Student, "math", "s1");
  for (int i = 0; i < 6; ++i) {
    clock.advanceMs(5000);
    send(t, {{"type", "ping"}});
    svc->tick();
  }
  EXPECT_FALSE(sink.closed.count(s));  // 30 s exactly: not yet
  clock.advanceMs(1000);
  send(t, {{"type", "ping"}});
  svc->tick();
  EXPECT_EQ(sink.closed.at(s), CloseCode::PolicyViolation);
  EXPECT_FALSE(sink.closed.count(t));
  EXPECT_EQ(svc->memberRooms().at(0).counts.students, 0);
}

TEST_F(ClassroomTest, ResumeWithinGraceContinuesAndReplaysMissedQna) {
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s = joinAs(Role::Student, "math", "s1");
  json joined = sink.of(s, "joined")[0];
  std::string resume_token = joined["resume_token"];
  uint64_t seq = joined["last_seq"];
  clock.advanceMs(10'000);
  svc->onClose(s);
  ask(t, "Question while you were away?");
  send(t, {{"type", "set_moderation"}, {"enabled", true}});
  clock.advanceMs(20'000);
  svc->tick();
  PeerId s2 = connect(Role::Student, "math", "s1");
  json r = send(s2, {{"type", "resume"}, {"resume_token", resume_token}, {"last_seq", seq}});
  EXPECT_EQ(r["type"], "qna") << r;  // the replayed events follow the reply
  json resumed = sink.of(s2, "resumed").at(0);
  EXPECT_EQ(resumed["replayed"], 2);
  EXPECT_TRUE(resumed["live"]);
  EXPECT_EQ(resumed["presence"]["counts"]["total"], 2);  // the room now: the teacher and the resumed student
  EXPECT_FALSE(resumed["presence"].contains("participants"));  // students see a count only
  auto events = sink.of(s2, "qna");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["action"], "asked");
  EXPECT_EQ(events[1]["action"], "moderation");
  EXPECT_EQ(svc->memberRooms().at(0).counts.students, 1);

  // The same student on a new token from a stranger: refused.
  PeerId other = connect(Role::Student, "math", "s9");
  std::string new_token = resumed["resume_token"];
  EXPECT_EQ(send(other, {{"type", "resume"}, {"resume_token", new_token}})["code"], "forbidden");

  clock.advanceMs(30'000);
  svc->onBroadcastEnded("math");
  store->flush();
  auto intervals = store->intervals(1);
  ASSERT_EQ(intervals.size(), 1u);  // not a new join: the interval continued
  EXPECT_EQ(intervals[0].reconnects, 1);
  EXPECT_EQ(*intervals[0].leave_ms - intervals[0].join_ms, 60'000);
}

TEST_F(ClassroomTest, ResumeAfterGraceFailsAndTheIntervalEndsAtDisconnect) {
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  PeerId s = joinAs(Role::Student, "math", "s1");
  std::string resume_token = sink.of(s, "joined")[0]["resume_token"];
  int64_t joined_at = clock.nowMs();
  clock.advanceMs(5'000);
  svc->onClose(s);
  clock.advanceMs(61'000);
  svc->tick();
  PeerId s2 = connect(Role::Student, "math", "s1");
  EXPECT_EQ(send(s2, {{"type", "resume"}, {"resume_token", resume_token}})["code"], "not_found");
  EXPECT_EQ(send(s2, {{"type", "join"}, {"room", "math"}})["type"], "joined");
  store->flush();
  auto intervals = store->intervals(1);
  ASSERT_EQ(intervals.size(), 2u);
  EXPECT_EQ(*intervals[0].leave_ms, joined_at + 5'000);
  EXPECT_FALSE(intervals[1].leave_ms.has_value());
}

TEST_F(ClassroomTest, ResumeBeyondTheHistoryGetsASnapshot) {
  settings.qna_history = 2;
  make();
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s = joinAs(Role::Student, "math", "s1");
  json joined = sink.of(s, "joined")[0];
  svc->onClose(s);
  for (int i = 0; i < 3; ++i) ask(t, "q" + std::to_string(i));
  PeerId s2 = connect(Role::Student, "math", "s1");
  send(s2, {{"type", "resume"}, {"resume_token", joined["resume_token"]}, {"last_seq", joined["last_seq"]}});
  json resumed = sink.of(s2, "resumed").at(0);
  EXPECT_TRUE(resumed["snapshot"]);
  EXPECT_EQ(resumed["replayed"], 0);
  json snapshot = sink.last(s2);
  EXPECT_EQ(snapshot["type"], "questions");
  EXPECT_EQ(snapshot["questions"].size(), 2u);  // the bounded history
  EXPECT_EQ(snapshot["last_seq"], 3);
}

TEST_F(ClassroomTest, HalfOpenOldConnectionIsReplacedByResume) {
  PeerId s = joinAs(Role::Student, "math", "s1");
  std::string resume_token = sink.of(s, "joined")[0]["resume_token"];
  PeerId s2 = connect(Role::Student, "math", "s1");
  send(s2, {{"type", "resume"}, {"resume_token", resume_token}});
  EXPECT_EQ(sink.of(s2, "resumed").size(), 1u);
  EXPECT_EQ(sink.closed.at(s), CloseCode::Normal);
  EXPECT_EQ(svc->memberRooms().at(0).counts.students, 1);
}

TEST_F(ClassroomTest, BroadcastEventsCarryPlaybackUrls) {
  PeerId s = joinAs(Role::Student, "math", "s1");
  svc->onBroadcastStarted("math", "/hls/math/index.m3u8");
  json e = sink.last(s);
  EXPECT_EQ(e["type"], "broadcast_started");
  EXPECT_EQ(e["hls_url"], "/hls/math/index.m3u8");
  EXPECT_EQ(e["whep_url"], "/whep/math");
  svc->onBroadcastEnded("math");
  EXPECT_EQ(sink.last(s)["type"], "broadcast_stopped");
  PeerId late = joinAs(Role::Student, "math", "s2");
  EXPECT_FALSE(sink.of(late, "joined")[0]["live"]);
}

TEST_F(ClassroomTest, QuestionsReachEveryoneEncodedOnce) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  std::vector<PeerId> students;
  for (int i = 0; i < 5; ++i) students.push_back(joinAs(Role::Student, "math", "s" + std::to_string(i)));
  sink.clear();
  json ok = ask(students[0], "  What is a derivative?  ");
  EXPECT_EQ(ok["type"], "ok");
  uint64_t qid = ok["question_id"];
  EXPECT_EQ(sink.of(t, "qna").at(0)["question"]["text"], "What is a derivative?");
  const Frame* shared = nullptr;
  size_t qna_frames = 0;
  for (const auto& f : sink.frames) {
    if (f->text().find("\"qna\"") == std::string_view::npos) continue;
    if (!shared) shared = f.get();
    EXPECT_EQ(f.get(), shared);  // one buffer for all recipients
    ++qna_frames;
  }
  EXPECT_EQ(qna_frames, 6u);
  for (PeerId s : students) EXPECT_EQ(sink.of(s, "qna").at(0)["question"]["id"], qid);
}

TEST_F(ClassroomTest, AnonymousQuestionsHideTheAuthorFromClassmatesOnly) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  PeerId s2 = joinAs(Role::Student, "math", "s2");
  ask(s1, "Embarrassing question", true);
  EXPECT_EQ(sink.of(t, "qna").at(0)["question"]["author"], "s1");
  EXPECT_FALSE(sink.of(s2, "qna").at(0)["question"].contains("author"));
  EXPECT_FALSE(sink.of(s2, "qna").at(0)["question"].contains("author_name"));
  json list = send(s2, {{"type", "list_questions"}});
  EXPECT_FALSE(list["questions"][0].contains("author"));
}

TEST_F(ClassroomTest, UpvoteOnceAndOrdering) {
  joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  PeerId s2 = joinAs(Role::Student, "math", "s2");
  uint64_t q1 = ask(s1, "first")["question_id"];
  uint64_t q2 = ask(s1, "second")["question_id"];
  EXPECT_EQ(send(s2, {{"type", "upvote"}, {"question_id", q2}})["type"], "ok");
  EXPECT_EQ(send(s2, {{"type", "upvote"}, {"question_id", q2}})["code"], "conflict");
  EXPECT_EQ(send(s2, {{"type", "upvote"}, {"question_id", 999}})["code"], "not_found");
  json by_votes = send(s1, {{"type", "list_questions"}, {"order", "votes"}});
  EXPECT_EQ(by_votes["questions"][0]["id"], q2);
  EXPECT_EQ(by_votes["questions"][0]["votes"], 1);
  json by_time = send(s1, {{"type", "list_questions"}, {"order", "time"}});
  EXPECT_EQ(by_time["questions"][0]["id"], q2);  // newest first
  send(s1, {{"type", "upvote"}, {"question_id", q1}});
  send(s2, {{"type", "upvote"}, {"question_id", q1}});
  by_votes = send(s1, {{"type", "list_questions"}});
  EXPECT_EQ(by_votes["questions"][0]["id"], q1);
}

TEST_F(ClassroomTest, TeacherActionsAndStudentLimits) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s = joinAs(Role::Student, "math", "s1");
  uint64_t q = ask(s, "What?")["question_id"];
  EXPECT_EQ(send(s, {{"type", "answer"}, {"question_id", q}})["code"], "forbidden");
  EXPECT_EQ(send(s, {{"type", "dismiss"}, {"question_id", q}})["code"], "forbidden");
  EXPECT_EQ(send(s, {{"type", "pin"}, {"question_id", q}})["code"], "forbidden");
  EXPECT_EQ(send(s, {{"type", "set_moderation"}, {"enabled", true}})["code"], "forbidden");
  EXPECT_EQ(send(t, {{"type", "pin"}, {"question_id", q}})["type"], "ok");
  EXPECT_EQ(send(t, {{"type", "answer"}, {"question_id", q}, {"text", "This."}})["type"], "ok");
  json e = sink.of(s, "qna").back();
  EXPECT_EQ(e["action"], "answered");
  EXPECT_EQ(e["question"]["answer"], "This.");
  EXPECT_EQ(e["question"]["state"], "answered");
  EXPECT_EQ(send(t, {{"type", "dismiss"}, {"question_id", q}})["type"], "ok");
  EXPECT_EQ(send(t, {{"type", "dismiss"}, {"question_id", q}})["code"], "conflict");
  EXPECT_TRUE(send(s, {{"type", "list_questions"}})["questions"].empty());  // dismissed: hidden from students
  EXPECT_EQ(send(t, {{"type", "list_questions"}})["questions"].size(), 1u);
  EXPECT_EQ(send(t, {{"type", "reopen"}, {"question_id", q}})["type"], "ok");
  EXPECT_EQ(send(s, {{"type", "list_questions"}})["questions"][0]["state"], "open");

  EXPECT_EQ(ask(s, std::string(501, 'x'))["code"], "too_large");
  EXPECT_EQ(ask(s, "   ")["code"], "bad_request");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ask(s, "q" + std::to_string(i))["type"], "ok");
  EXPECT_EQ(ask(s, "one too many")["code"], "rate_limited");  // 5 per minute
  clock.advanceMs(60'000);
  EXPECT_EQ(ask(s, "later")["type"], "ok");
}

TEST_F(ClassroomTest, ModerationModeNeedsApprovalFirst) {
  PeerId t = joinAs(Role::Teacher, "math", "t1");
  PeerId s1 = joinAs(Role::Student, "math", "s1");
  PeerId s2 = joinAs(Role::Student, "math", "s2");
  send(t, {{"type", "set_moderation"}, {"enabled", true}});
  sink.clear();
  uint64_t q = ask(s1, "Pending?")["question_id"];
  EXPECT_EQ(sink.of(t, "qna").at(0)["question"]["state"], "pending");
  EXPECT_TRUE(sink.of(s2, "qna").empty());
  EXPECT_EQ(send(s2, {{"type", "upvote"}, {"question_id", q}})["code"], "conflict");
  EXPECT_EQ(send(s1, {{"type", "approve"}, {"question_id", q}})["code"], "forbidden");
  EXPECT_EQ(send(t, {{"type", "approve"}, {"question_id", q}})["type"], "ok");
  EXPECT_EQ(sink.of(s2, "qna").at(0)["action"], "approved");
  EXPECT_EQ(send(s2, {{"type", "upvote"}, {"question_id", q}})["type"], "ok");
}

TEST_F(ClassroomTest, QuestionsArePersisted) {
  PeerId s = joinAs(Role::Student, "math", "s1");
  PeerId s2 = joinAs(Role::Student, "math", "s2");
  uint64_t q = ask(s, "Survives a restart?")["question_id"];
  send(s2, {{"type", "upvote"}, {"question_id", q}});
  svc->shutdown();
  make();
  PeerId again = joinAs(Role::Student, "math", "s3");
  json joined = sink.of(again, "joined")[0];
  ASSERT_EQ(joined["questions"].size(), 1u);
  EXPECT_EQ(joined["questions"][0]["text"], "Survives a restart?");
  EXPECT_EQ(joined["questions"][0]["votes"], 1);
  EXPECT_EQ(send(s2 + 100, {{"type", "ping"}}).is_null(), true);  // unknown peer: ignored
  uint64_t q2 = ask(again, "New one")["question_id"];
  EXPECT_GT(q2, q);  // ids continue after a restart
}

TEST_F(ClassroomTest, FloodsAreRateLimited) {
  PeerId s = joinAs(Role::Student, "math", "s1");
  for (int i = 0; i < 100; ++i) send(s, {{"type", "ping"}});
  auto errors = sink.of(s, "error");
  ASSERT_EQ(errors.size(), 1u);  // one error per second, the rest dropped silently
  EXPECT_EQ(errors[0]["code"], "rate_limited");
  EXPECT_LT(sink.of(s, "pong").size(), 45u);
  clock.advanceMs(1000);
  EXPECT_EQ(send(s, {{"type", "ping"}})["type"], "pong");
}

}  // namespace
}  // namespace airclass::signaling
