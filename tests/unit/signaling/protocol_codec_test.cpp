#include "signaling/protocol_codec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace airclass::signaling::protocol {
namespace {

using common::ErrorCode;
using json = nlohmann::json;

constexpr size_t kMax = 16 * 1024;

ClientMessage roundTrip(const ClientMessage& m) {
  auto r = decodeClient(encodeClient(m), kMax);
  EXPECT_TRUE(std::holds_alternative<ClientMessage>(r)) << encodeClient(m);
  return std::get<ClientMessage>(r);
}

DecodeError decodeError(std::string_view text, size_t max = kMax) {
  auto r = decodeClient(text, max);
  EXPECT_TRUE(std::holds_alternative<DecodeError>(r)) << text;
  return std::holds_alternative<DecodeError>(r) ? std::get<DecodeError>(r) : DecodeError{};
}

TEST(ProtocolCodec, EveryClientMessageRoundTrips) {
  EXPECT_EQ(std::get<Auth>(roundTrip({"1", Auth{"abc.def.ghi"}}).body).token, "abc.def.ghi");
  EXPECT_EQ(std::get<Join>(roundTrip({"2", Join{"math-101"}}).body).room, "math-101");
  EXPECT_TRUE(std::holds_alternative<Leave>(roundTrip({"3", Leave{}}).body));
  auto resume = std::get<Resume>(roundTrip({"4", Resume{"tok", 42}}).body);
  EXPECT_EQ(resume.resume_token, "tok");
  EXPECT_EQ(resume.last_seq, 42u);
  EXPECT_TRUE(std::holds_alternative<Ping>(roundTrip({"5", Ping{}}).body));
  auto ask = std::get<Ask>(roundTrip({"6", Ask{"Why is the sky blue?", true}}).body);
  EXPECT_EQ(ask.text, "Why is the sky blue?");
  EXPECT_TRUE(ask.anonymous);
  EXPECT_EQ(std::get<Upvote>(roundTrip({"7", Upvote{9}}).body).question_id, 9u);
  auto ans = std::get<Answer>(roundTrip({"8", Answer{9, "Rayleigh"}}).body);
  EXPECT_EQ(ans.text.value_or(""), "Rayleigh");
  EXPECT_FALSE(std::get<Answer>(roundTrip({"8b", Answer{9, std::nullopt}}).body).text.has_value());
  EXPECT_EQ(std::get<Dismiss>(roundTrip({"9", Dismiss{3}}).body).question_id, 3u);
  EXPECT_EQ(std::get<Reopen>(roundTrip({"10", Reopen{3}}).body).question_id, 3u);
  EXPECT_FALSE(std::get<Pin>(roundTrip({"11", Pin{3, false}}).body).pinned);
  EXPECT_EQ(std::get<Approve>(roundTrip({"12", Approve{4}}).body).question_id, 4u);
  EXPECT_TRUE(std::get<SetModeration>(roundTrip({"13", SetModeration{true}}).body).enabled);
  EXPECT_EQ(std::get<ListQuestions>(roundTrip({"14", ListQuestions{QuestionOrder::Time}}).body).order,
            QuestionOrder::Time);
  EXPECT_FALSE(std::get<SubscribeStats>(roundTrip({"15", SubscribeStats{false}}).body).enabled);
}

TEST(ProtocolCodec, DefaultsForOptionalFields) {
  auto r = decodeClient(R"({"v":1,"type":"ask","id":"a","text":"hi"})", kMax);
  ASSERT_TRUE(std::holds_alternative<ClientMessage>(r));
  EXPECT_FALSE(std::get<Ask>(std::get<ClientMessage>(r).body).anonymous);
  r = decodeClient(R"({"v":1,"type":"list_questions","id":"a"})", kMax);
  EXPECT_EQ(std::get<ListQuestions>(std::get<ClientMessage>(r).body).order, QuestionOrder::Votes);
}

TEST(ProtocolCodec, RejectsGarbageWithTypedErrors) {
  EXPECT_EQ(decodeError("").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError("{").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError("not json").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError("[1,2]").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError("\"str\"").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"type":"ping","id":"1"})").code, ErrorCode::BadRequest);            // no version
  EXPECT_EQ(decodeError(R"({"v":2,"type":"ping","id":"1"})").code, ErrorCode::Unsupported);     // wrong version
  EXPECT_EQ(decodeError(R"({"v":1,"type":"ping"})").code, ErrorCode::BadRequest);               // no id
  EXPECT_EQ(decodeError(R"({"v":1,"type":"ping","id":""})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"ping","id":7})").code, ErrorCode::BadRequest);
  auto unknown = decodeError(R"({"v":1,"type":"teleport","id":"x1"})");
  EXPECT_EQ(unknown.code, ErrorCode::Unsupported);
  EXPECT_EQ(unknown.id, "x1");  // the error reply can carry the request id
  EXPECT_EQ(decodeError(R"({"v":1,"type":"upvote","id":"1","question_id":-3})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"upvote","id":"1","question_id":"3"})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"upvote","id":"1"})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"join","id":"1","room":"../etc"})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"join","id":"1","room":""})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"ask","id":"1","text":"x","anonymous":"yes"})").code,
            ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"set_moderation","id":"1"})").code, ErrorCode::BadRequest);
  EXPECT_EQ(decodeError(R"({"v":1,"type":"list_questions","id":"1","order":"random"})").code,
            ErrorCode::BadRequest);
  EXPECT_EQ(decodeError("{\"v\":1,\"type\":\"ask\",\"id\":\"1\",\"text\":\"\xff\xfe\"}").code,
            ErrorCode::BadRequest);  // invalid UTF-8
  EXPECT_EQ(decodeError(std::string(64, '[') + std::string(64, ']')).code, ErrorCode::BadRequest);  // too deep
  EXPECT_EQ(decodeError(R"({"v":1,"type":"ping","id":")" + std::string(65, 'x') + "\"}").code,
            ErrorCode::BadRequest);
}

TEST(ProtocolCodec, RejectsOversizedBeforeParsing) {
  std::string big = R"({"v":1,"type":"ask","id":"1","text":")" + std::string(2000, 'a') + "\"}";
  EXPECT_EQ(decodeError(big, 1024).code, ErrorCode::TooLarge);
  EXPECT_TRUE(std::holds_alternative<ClientMessage>(decodeClient(big, 4096)));
}

TEST(ProtocolCodec, EncodesEveryServerMessage) {
  auto enc = [](std::string re, ServerBody body) { return json::parse(encodeServer({std::move(re), std::move(body)})); };
  json j = enc("1", AuthOk{"u1", "Ann", common::Role::Teacher, "r"});
  EXPECT_EQ(j["v"], 1);
  EXPECT_EQ(j["type"], "auth_ok");
  EXPECT_EQ(j["re"], "1");
  EXPECT_EQ(j["role"], "teacher");

  Joined joined;
  joined.room = "r";
  joined.resume_token = "t";
  joined.presence.counts.students = 2;
  joined.presence.participants = std::vector<ParticipantView>{{"u1", "Ann", common::Role::Student}};
  QuestionView q;
  q.id = 5;
  q.text = "why";
  q.votes = 3;
  joined.questions.push_back(q);
  j = enc("2", joined);
  EXPECT_EQ(j["type"], "joined");
  EXPECT_EQ(j["presence"]["counts"]["student"], 2);
  EXPECT_EQ(j["presence"]["counts"]["total"], 2);
  EXPECT_EQ(j["presence"]["participants"][0]["user"], "u1");
  EXPECT_EQ(j["questions"][0]["votes"], 3);
  EXPECT_FALSE(j["questions"][0].contains("author"));

  j = enc("3", Resumed{"r", "t2", true, "/hls/r/index.m3u8", 2, false, PresenceView{Counts{1, 2, 0}, std::nullopt}});
  EXPECT_EQ(j["replayed"], 2);
  EXPECT_EQ(j["presence"]["counts"]["total"], 3);
  EXPECT_FALSE(j["presence"].contains("participants"));
  joined.question_max_chars = 500;
  EXPECT_EQ(enc("2", joined)["question_max_chars"], 500);
  EXPECT_EQ(enc("4", Left{})["type"], "left");
  EXPECT_EQ(enc("5", Pong{123})["time_ms"], 123);
  EXPECT_EQ(enc("6", Ok{7})["question_id"], 7);
  j = enc("7", ErrorReply{ErrorCode::Forbidden, "no"});
  EXPECT_EQ(j["code"], "forbidden");
  EXPECT_EQ(j["message"], "no");
  EXPECT_EQ(enc("8", Questions{QuestionOrder::Time, 4, true, {}})["order"], "time");
  j = enc("", BroadcastStarted{"r", "/hls/r/index.m3u8", "/whep/r"});
  EXPECT_FALSE(j.contains("re"));
  EXPECT_EQ(j["hls_url"], "/hls/r/index.m3u8");
  EXPECT_EQ(enc("", BroadcastStopped{"r"})["type"], "broadcast_stopped");
  EXPECT_EQ(enc("", Presence{"r", {}})["presence"]["counts"]["total"], 0);
  j = enc("", QnaEvent{9, "asked", q, std::nullopt});
  EXPECT_EQ(j["seq"], 9);
  EXPECT_EQ(j["question"]["state"], "open");
  j = enc("", QnaState{"r", false});
  EXPECT_EQ(j["type"], "qna_state");
  EXPECT_EQ(j["open"], false);
}

TEST(ProtocolCodec, EncodesInvalidUtf8FromClaimsSafely) {
  std::string s = encodeServer({"", AuthOk{"u", "bad\xff", common::Role::Student, ""}});
  EXPECT_TRUE(json::accept(s));
}

}  // namespace
}  // namespace airclass::signaling::protocol
