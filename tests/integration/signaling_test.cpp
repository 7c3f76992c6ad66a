// Black-box: the classroom service of the running binary over real websockets (/ws) and its REST side —
// auth, join and presence, room checks, Q&A between clients, resume after a drop, and attendance recovered
// from SQLite after a kill -9.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>

#include "tests/integration/server_process.hpp"
#include "tests/integration/ws_client.hpp"

namespace airclass::test {
namespace {

using json = nlohmann::json;

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An authenticated client (auth message) that joined `room`; returns it and the `joined` reply.
std::unique_ptr<WsClient> joinAs(const ServerProcess& server, const std::string& role, const std::string& room,
                                 const std::string& user, json* joined = nullptr) {
  auto c = std::make_unique<WsClient>(server.httpPort());
  auto ok = c->request({{"type", "auth"}, {"token", server.token(role, room, user)}});
  EXPECT_TRUE(ok && (*ok)["type"] == "auth_ok") << (ok ? ok->dump() : "no reply");
  auto j = c->request({{"type", "join"}, {"room", room}});
  EXPECT_TRUE(j && (*j)["type"] == "joined") << (j ? j->dump() : "no reply");
  if (joined && j) *joined = *j;
  return c;
}

bool isQna(const json& m, const std::string& action) { return m.value("type", "") == "qna" && m.value("action", "") == action; }

std::vector<std::string> splitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  return out;
}

TEST(Signaling, AuthJoinPresenceRoomChecksAndQnaRoundTrip) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "math-101";

  json joined;
  auto teacher = joinAs(server, "teacher", room, "t1", &joined);
  EXPECT_EQ(joined["presence"]["counts"]["teacher"], 1);
  EXPECT_EQ(joined["presence"]["counts"]["total"], 1);
  EXPECT_TRUE(joined["presence"].contains("participants")) << "the teacher sees the roster";

  // A student authenticated by the upgrade request's Authorization header.
  WsClient s1(server.httpPort(), "Bearer " + server.token("student", room, "s1"));
  auto ok = s1.waitForType("auth_ok");
  ASSERT_TRUE(ok) << server.log();
  EXPECT_EQ((*ok)["user"], "s1");
  auto j1 = s1.request({{"type", "join"}, {"room", room}});
  ASSERT_TRUE(j1);
  ASSERT_EQ((*j1)["type"], "joined") << j1->dump();
  EXPECT_EQ((*j1)["presence"]["counts"]["student"], 1);
  EXPECT_EQ((*j1)["presence"]["counts"]["total"], 2);
  EXPECT_FALSE((*j1)["presence"].contains("participants")) << "students see a count only by default";
  auto presence = teacher->waitFor(
      [](const json& m) { return m.value("type", "") == "presence" && m["presence"]["counts"]["student"] == 1; },
      std::chrono::seconds(3));
  ASSERT_TRUE(presence) << "the teacher never saw the student arrive";
  ASSERT_EQ((*presence)["presence"]["participants"].size(), 2U);

  // A student token for this room is refused in another one; the connection stays usable.
  WsClient s2(server.httpPort());
  ASSERT_TRUE(s2.request({{"type", "auth"}, {"token", server.token("student", room, "s2")}}));
  auto wrong = s2.request({{"type", "join"}, {"room", "bio-202"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ((*wrong)["type"], "error");
  EXPECT_EQ((*wrong)["code"], "forbidden");
  auto right = s2.request({{"type", "join"}, {"room", room}});
  ASSERT_TRUE(right);
  EXPECT_EQ((*right)["type"], "joined");

  // Anything before auth: unauthorized, then a policy close.
  WsClient rogue(server.httpPort());
  auto refused = rogue.request({{"type", "join"}, {"room", room}});
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["code"], "unauthorized");
  EXPECT_TRUE(rogue.waitClosed());
  EXPECT_EQ(rogue.closeCode(), 1008);

  // Q&A: ask, see it everywhere, upvote once, answer; the students see the answer live.
  auto asked = s1.request({{"type", "ask"}, {"text", "Why is the sky blue?"}, {"anonymous", true}});
  ASSERT_TRUE(asked);
  ASSERT_EQ((*asked)["type"], "ok") << asked->dump();
  const uint64_t q = (*asked)["question_id"];
  auto t_asked = teacher->waitFor([](const json& m) { return isQna(m, "asked"); });
  ASSERT_TRUE(t_asked);
  EXPECT_EQ((*t_asked)["question"]["text"], "Why is the sky blue?");
  EXPECT_EQ((*t_asked)["question"]["author"], "s1") << "anonymous hides the author from classmates only";
  auto s2_asked = s2.waitFor([](const json& m) { return isQna(m, "asked"); });
  ASSERT_TRUE(s2_asked);
  EXPECT_FALSE((*s2_asked)["question"].contains("author"));

  auto vote = s2.request({{"type", "upvote"}, {"question_id", q}});
  ASSERT_TRUE(vote);
  EXPECT_EQ((*vote)["type"], "ok");
  for (WsClient* c : {teacher.get(), &s1}) {
    auto up = c->waitFor([](const json& m) { return isQna(m, "upvoted"); });
    ASSERT_TRUE(up);
    EXPECT_EQ((*up)["question"]["votes"], 1);
  }
  auto twice = s2.request({{"type", "upvote"}, {"question_id", q}});
  ASSERT_TRUE(twice);
  EXPECT_EQ((*twice)["code"], "conflict");
  auto not_teacher = s1.request({{"type", "answer"}, {"question_id", q}, {"text", "I know!"}});
  ASSERT_TRUE(not_teacher);
  EXPECT_EQ((*not_teacher)["code"], "forbidden");

  auto answered = teacher->request({{"type", "answer"}, {"question_id", q}, {"text", "Rayleigh scattering."}});
  ASSERT_TRUE(answered);
  EXPECT_EQ((*answered)["type"], "ok");
  for (WsClient* c : {&s1, &s2}) {
    auto a = c->waitFor([](const json& m) { return isQna(m, "answered"); });
    ASSERT_TRUE(a);
    EXPECT_EQ((*a)["question"]["state"], "answered");
    EXPECT_EQ((*a)["question"]["answer"], "Rayleigh scattering.");
  }
  auto list = s2.request({{"type", "list_questions"}, {"order", "votes"}});
  ASSERT_TRUE(list);
  ASSERT_EQ((*list)["questions"].size(), 1U);
  EXPECT_EQ((*list)["questions"][0]["votes"], 1);
  EXPECT_EQ((*list)["questions"][0]["state"], "answered");
}

TEST(Signaling, ResumeKeepsTheSessionAndAttendanceSurvivesKill9) {
  ServerOptions options;
  options.args = {"--transcode.ladder", "180p:180:150"};
  auto server = std::make_unique<ServerProcess>(options);
  ASSERT_TRUE(server->healthy()) << server->log();
  const std::string room = "live-room";
  const std::string teacher_token = server->token("teacher", room, "t1");

  auto teacher = joinAs(*server, "teacher", room, "t1");
  PublishOptions publish;
  publish.size = "320x180";
  publish.fps = 15;
  publish.seconds = 120;  // killed with the test
  auto publisher = publishRtmp(*server, room, teacher_token, publish);
  ASSERT_TRUE(teacher->waitForType("broadcast_started", std::chrono::seconds(30)))
      << "no live session\nffmpeg:\n" << tail(publisher->log()) << "\nserver:\n" << server->log();

  json j1, j2;
  auto s1 = joinAs(*server, "student", room, "s1", &j1);
  auto s2 = joinAs(*server, "student", room, "s2", &j2);
  ASSERT_TRUE(j1["live"].get<bool>());
  const uint64_t session_id = j1["session_id"];
  ASSERT_GT(session_id, 0U);

  // s1's network vanishes; it reconnects and resumes: the same session, not a new join.
  const std::string resume_token = j1["resume_token"];
  s1->drop();
  s1 = std::make_unique<WsClient>(server->httpPort());
  ASSERT_TRUE(s1->request({{"type", "auth"}, {"token", server->token("student", room, "s1")}}));
  auto resumed = s1->request({{"type", "resume"}, {"resume_token", resume_token}, {"last_seq", j1["last_seq"]}});
  ASSERT_TRUE(resumed);
  ASSERT_EQ((*resumed)["type"], "resumed") << resumed->dump();
  EXPECT_EQ((*resumed)["room"], room);
  EXPECT_NE((*resumed)["resume_token"], resume_token) << "the resume token rotates";
  WsClient stale(server->httpPort());
  ASSERT_TRUE(stale.request({{"type", "auth"}, {"token", server->token("student", room, "s1")}}));
  auto reused = stale.request({{"type", "resume"}, {"resume_token", resume_token}, {"last_seq", 0}});
  ASSERT_TRUE(reused);
  EXPECT_EQ((*reused)["code"], "not_found") << "a used resume token is spent";

  // Heartbeats for a while, then a crash.
  int64_t last_ping_ms = 0;
  for (int i = 0; i < 10; ++i) {
    for (WsClient* c : {s1.get(), s2.get()}) ASSERT_TRUE(c->request({{"type", "ping"}}));
    last_ping_ms = wallMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the store commits as soon as its queue drains
  const int64_t kill_ms = wallMs();
  server->kill();

  ServerOptions again;
  again.data_dir = server->dataDir();
  again.secret = server->secret();
  again.args = options.args;
  ServerProcess restarted(again);
  ASSERT_TRUE(restarted.healthy()) << restarted.log();
  const std::string auth = "?token=" + restarted.token("teacher", room, "t1");

  auto sessions = httpGet(restarted.url("/api/v1/rooms/" + room + "/sessions" + auth));
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  const json s = json::parse(sessions.body);
  ASSERT_EQ(s["sessions"].size(), 1U) << s.dump();
  EXPECT_EQ(s["sessions"][0]["id"], session_id);
  EXPECT_FALSE(s["sessions"][0]["live"].get<bool>()) << "the crashed session is closed on restart";
  EXPECT_LE(s["sessions"][0]["ended_ms"].get<int64_t>(), kill_ms);

  const std::string path = "/api/v1/rooms/" + room + "/sessions/" + std::to_string(session_id) + "/attendance";
  auto report = httpGet(restarted.url(path + auth));
  ASSERT_EQ(report.status, 200) << report.body;
  const json a = json::parse(report.body);
  ASSERT_EQ(a["students"].size(), 2U) << a.dump();
  std::map<std::string, json> by_user;
  for (const auto& st : a["students"]) by_user[st["user"]] = st;
  ASSERT_TRUE(by_user.count("s1") && by_user.count("s2")) << a.dump();
  for (const auto& [user, st] : by_user) {
    // Closed at the last heartbeat: recorded at most once a second, so within a second before the last ping.
    const int64_t left = st["last_leave_ms"];
    EXPECT_GE(left, last_ping_ms - 1100) << user << ": " << st.dump();
    EXPECT_LE(left, last_ping_ms + 50) << user << ": " << st.dump();
    EXPECT_FALSE(st["present"].get<bool>()) << user << ": its interval was closed on restart";
    EXPECT_GT(st["present_ms"].get<int64_t>(), 2000) << user;
  }
  EXPECT_EQ(by_user["s1"]["reconnects"], 1) << "the resume counts as a reconnect";
  EXPECT_EQ(by_user["s2"]["reconnects"], 0);

  auto csv = httpGet(restarted.url(path + auth + "&format=csv"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  std::stringstream lines(csv.body);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) rows.push_back(splitCsvLine(line));
  }
  ASSERT_EQ(rows.size(), 3U) << csv.body;
  EXPECT_EQ(rows[0][0], "user");
  EXPECT_EQ(rows[0][3], "last_leave_ms");
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 9U) << csv.body;
    const json& st = by_user[rows[i][0]];
    EXPECT_EQ(rows[i][3], std::to_string(st["last_leave_ms"].get<int64_t>())) << csv.body;
    EXPECT_EQ(rows[i][6], std::to_string(st["reconnects"].get<int>())) << csv.body;
  }
}

}  // namespace
}  // namespace airclass::test
