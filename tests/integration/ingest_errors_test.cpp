// Black-box: ingest refuses what it must (bad tokens, a second publisher, unsupported codecs), survives garbage
// on its ports, and lets a teacher who drops out come back into the same broadcast within the grace window.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <random>

#include "common/auth.hpp"
#include "tests/integration/hls_checks.hpp"
#include "tests/integration/server_process.hpp"

namespace airclass::test {
namespace {

int64_t unixNow() { return static_cast<int64_t>(std::time(nullptr)); }

std::string mint(const std::string& secret, common::Role role, const std::string& room, int64_t exp) {
  common::Claims c;
  c.sub = "u-" + room;
  c.name = "Tester";
  c.role = role;
  c.room = room;
  c.exp = exp;
  return common::mintToken(c, secret);
}

// The newest media sequence number the source rendition has (nextMsn), or -1 when unavailable.
int64_t sourceNextMsn(const ServerProcess& server, const std::string& room, bool* endlist = nullptr) {
  const auto r = httpGet(server.url("/hls/" + room + "/source/index.m3u8"), 3.0);
  if (r.status != 200) return -1;
  const auto p = parseMedia(r.body);
  if (endlist != nullptr) *endlist = p.endlist;
  return p.valid ? p.nextMsn() : -1;
}

// Starts a publisher and waits until its room is live with a few segments; returns it.
std::unique_ptr<Process> startLive(const ServerProcess& server, const std::string& room, double seconds,
                                   const std::string& log_name) {
  PublishOptions o;
  o.size = "640x360";  // small: these tests are about ingest, not the ladder
  o.seconds = seconds;
  auto p = publishRtmp(server, room, server.token("teacher", room, "t-" + room), o, log_name);
  const bool live = eventually([&] { return sourceNextMsn(server, room) >= 2; }, 25s, 300ms);
  EXPECT_TRUE(live) << "room " << room << " never produced segments\nffmpeg:\n"
                    << tail(p->log()) << "\nserver:\n" << server.log();
  return p;
}

void expectRefused(Process& publisher, const ServerProcess& server, const std::string& room, const std::string& why) {
  SCOPED_TRACE(why);
  const auto status = publisher.wait(20s);
  ASSERT_TRUE(status.has_value()) << "the server did not end the refused publish";
  EXPECT_NE(publisher.exitCode(), std::optional<int>(0)) << tail(publisher.log());
  EXPECT_FALSE(roomLive(server, room));
  EXPECT_NE(httpGet(server.url("/hls/" + room + "/index.m3u8")).status, 200);
}

TEST(IngestErrors, BadTokensAreRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  PublishOptions o;
  o.size = "320x240";
  o.seconds = 30;
  struct Case {
    std::string why;
    std::string room;
    std::string token;
    bool srt;
  };
  const std::vector<Case> cases{
      {"token signed with another secret", "bad-secret", mint(randomHex(32), common::Role::Teacher, "bad-secret",
                                                              unixNow() + 3600), false},
      {"expired teacher token", "expired", mint(server.secret(), common::Role::Teacher, "expired", unixNow() - 60),
       false},
      {"student token", "student", server.token("student", "student", "s1"), false},
      {"teacher token for another room", "other-room", server.token("teacher", "not-this-one", "t1"), false},
      {"not a JWT at all", "garbage-token", "not.a.jwt", false},
      {"no token", "no-token", "", false},
      {"student token over SRT", "srt-student", server.token("student", "srt-student", "s2"), true},
      {"expired token over SRT", "srt-expired",
       mint(server.secret(), common::Role::Teacher, "srt-expired", unixNow() - 60), true},
  };
  std::vector<std::unique_ptr<Process>> publishers;
  for (const auto& c : cases) {
    publishers.push_back(c.srt ? publishSrt(server, c.room, c.token, o, c.room + ".log")
                               : publishRtmp(server, c.room, c.token, o, c.room + ".log"));
  }
  for (size_t i = 0; i < cases.size(); ++i) expectRefused(*publishers[i], server, cases[i].room, cases[i].why);
  EXPECT_EQ(server.health(), 200);
}

TEST(IngestErrors, SecondPublisherIsRefusedWhileTheFirstKeepsGoing) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "busy";
  auto first = startLive(server, room, 30, "first.log");
  const int64_t before = sourceNextMsn(server, room);

  PublishOptions o;
  o.size = "320x240";
  o.seconds = 30;
  auto second = publishRtmp(server, room, server.token("teacher", room, "intruder"), o, "second.log");
  const auto status = second->wait(20s);
  ASSERT_TRUE(status.has_value()) << "the second publisher was not refused";
  EXPECT_NE(second->exitCode(), std::optional<int>(0));

  // The same over SRT.
  auto third = publishSrt(server, room, server.token("teacher", room, "intruder2"), o, "third.log");
  EXPECT_TRUE(third->wait(20s).has_value()) << "the SRT publisher was not refused";
  EXPECT_NE(third->exitCode(), std::optional<int>(0));

  EXPECT_TRUE(first->running()) << "the first publisher was disturbed:\n" << tail(first->log());
  EXPECT_TRUE(eventually([&] { return sourceNextMsn(server, room) > before + 2; }, 10s))
      << "the first broadcast stopped advancing";
  const auto info = roomInfo(server, room);
  ASSERT_TRUE(info.is_object());
  EXPECT_EQ(jsonString(info, "teacher").find("intruder"), std::string::npos) << info.dump();
}

// Sorenson Spark (FLV1) stands for any video codec other than H.264 that FLV can carry. (HEVC cannot be sent
// this way: Debian 12's ffmpeg 5.1 has no enhanced-RTMP FLV muxer; tests/unit/media/ingest/rtmp refuses a
// hand-built HEVC tag over a real socket.)
TEST(IngestErrors, NonH264VideoOverRtmpIsRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "flv1";
  PublishOptions o;
  o.size = "320x240";
  o.seconds = 30;
  o.video_codec = "flv1";
  auto publisher = publishRtmp(server, room, server.token("teacher", room, "t1"), o);
  // Give it time to publish a few frames: the room must never go live.
  EXPECT_FALSE(eventually([&] { return roomLive(server, room); }, 6s)) << "a FLV1 stream went live";
  expectRefused(*publisher, server, room, "FLV1 video");
  EXPECT_EQ(server.health(), 200);
}

void sendTcpGarbage(int port, const std::string& bytes) {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return;
  const timeval tv{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

void sendUdpGarbage(int port, const std::string& bytes) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
}

TEST(IngestErrors, GarbageOnIngestPortsLeavesTheServerHealthy) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "steady";
  auto publisher = startLive(server, room, 30, "steady.log");
  const int64_t before = sourceNextMsn(server, room);

  std::mt19937 rng(12345);
  auto randomBytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xffU);
    return s;
  };
  // RTMP: pure noise, a valid C0 then noise, a C0+C1 then a huge bogus chunk header, and empty connections.
  for (int i = 0; i < 20; ++i) sendTcpGarbage(server.rtmpPort(), randomBytes(1 + rng() % 65536));
  for (int i = 0; i < 10; ++i) sendTcpGarbage(server.rtmpPort(), std::string(1, '\x03') + randomBytes(1536 + rng() % 8192));
  sendTcpGarbage(server.rtmpPort(), std::string(1, '\x03') + std::string(1536, '\0') +
                                        std::string("\x02\xff\xff\xff\xff\xff\xff\x14\xff\xff\xff\xff", 12));
  for (int i = 0; i < 5; ++i) sendTcpGarbage(server.rtmpPort(), "");
  // SRT: random datagrams, some shaped like control packets (top bit set), some like data packets.
  for (int i = 0; i < 300; ++i) {
    std::string d = randomBytes(1 + rng() % 1500);
    if (i % 3 == 0) d[0] = static_cast<char>(d[0] | 0x80);
    if (i % 3 == 1) d[0] = static_cast<char>(d[0] & 0x7f);
    sendUdpGarbage(server.srtPort(), d);
  }
  // Also garbage on the HTTP port, for good measure.
  for (int i = 0; i < 5; ++i) sendTcpGarbage(server.httpPort(), randomBytes(1 + rng() % 4096));

  EXPECT_EQ(server.health(), 200);
  EXPECT_TRUE(publisher->running()) << tail(publisher->log());
  EXPECT_TRUE(eventually([&] { return sourceNextMsn(server, room) > before + 2; }, 10s))
      << "the live room stopped advancing\n" << server.log();
  EXPECT_TRUE(roomLive(server, room));
  EXPECT_EQ(server.health(), 200);
}

TEST(IngestErrors, PublisherReconnectingWithinGraceContinuesTheSameBroadcast) {
  ServerProcess server;
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string room = "flaky";
  auto first = startLive(server, room, 8, "first.log");
  ASSERT_TRUE(first->wait(20s).has_value()) << "first publisher did not finish";
  EXPECT_EQ(first->exitCode(), std::optional<int>(0)) << tail(first->log());

  // Back within a second, with the same token; watch the playlist through the gap.
  PublishOptions o;
  o.size = "640x360";
  o.seconds = 12;
  auto second = publishRtmp(server, room, server.token("teacher", room, "t-" + room), o, "second.log");
  int64_t last = sourceNextMsn(server, room);
  const int64_t at_reconnect = last;
  bool saw_endlist = false;
  bool went_back = false;
  bool gone = false;
  const auto deadline = Clock::now() + 12s;
  while (Clock::now() < deadline) {
    bool endlist = false;
    const int64_t msn = sourceNextMsn(server, room, &endlist);
    if (msn < 0) gone = true;
    if (endlist) saw_endlist = true;
    if (msn >= 0 && msn < last) went_back = true;
    last = std::max(last, msn);
    if (msn > at_reconnect + 4) break;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_FALSE(gone) << "the playlist disappeared during the reconnect";
  EXPECT_FALSE(saw_endlist) << "EXT-X-ENDLIST during the grace window";
  EXPECT_FALSE(went_back) << "media sequence went backwards";
  EXPECT_GT(last, at_reconnect + 4) << "the broadcast did not continue after the reconnect\nffmpeg:\n"
                                    << tail(second->log()) << "\nserver:\n" << server.log();
  EXPECT_TRUE(roomLive(server, room));
  second->wait(30s);
}

}  // namespace
}  // namespace airclass::test
