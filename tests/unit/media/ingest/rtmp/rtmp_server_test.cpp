// RtmpServer on loopback with real clients: Debian's ffmpeg publishing H.264/AAC, and raw sockets.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <random>
#include <thread>

#include "media/ingest/rtmp/rtmp_server.hpp"
#include "tests/unit/media/ingest/rtmp/rtmp_test_support.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

namespace asio = boost::asio;
using test::Bytes;
using test::ClientScript;
using test::RecordingGate;
using test::ServerOutput;

class RtmpServerTest : public ::testing::Test {
 protected:
  RtmpServerTest() {
    config_.rtmp.host = "127.0.0.1";
    config_.rtmp.port = 0;
    config_.rtmp.handshake_timeout_s = 1;
    config_.ingest.stall_timeout_s = 5;
  }
  void SetUp() override {
    server_ = std::make_unique<RtmpServer>(loop_, config_, gate_);
    server_->start();
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    asio::post(loop_, [this] { server_->stop(); });
    guard_.reset();
    thread_.join();
    server_.reset();
  }
  size_t sessionCount() {
    std::promise<size_t> p;
    asio::post(loop_, [&] { p.set_value(server_->sessionCount()); });
    return p.get_future().get();
  }
  // Waits until `pred` holds, up to `timeout`.
  template <typename Pred>
  bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
  }
  static bool haveFfmpeg() { return std::system("command -v ffmpeg >/dev/null 2>&1") == 0; }
  // Runs ffmpeg publishing to rtmp://127.0.0.1:PORT/live/<key>; returns its exit status.
  int runFfmpeg(const std::string& codecs, const std::string& key) {
    const std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/live/" + key;
    const std::string cmd =
        "timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=30 "
        "-f lavfi -i sine=frequency=440 -t 3 " + codecs + " -f flv '" + url + "'";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  asio::ip::tcp::socket connectRaw() {
    asio::ip::tcp::socket s(client_io_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    timeval tv{5, 0};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }
  // Reads until the server closes the connection (true) or the 5 s receive timeout hits (false).
  static bool readUntilClosed(asio::ip::tcp::socket& s, Bytes& got) {
    uint8_t buf[4096];
    for (;;) {
      boost::system::error_code ec;
      const size_t n = s.read_some(asio::buffer(buf), ec);
      got.insert(got.end(), buf, buf + n);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (ec) return false;
    }
  }

  common::Config config_;
  RecordingGate gate_;
  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{loop_.get_executor()};
  std::unique_ptr<RtmpServer> server_;
  std::thread thread_;
  asio::io_context client_io_;
};

TEST_F(RtmpServerTest, FfmpegPublishesH264AndAac) {
  if (!haveFfmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  const int rc = runFfmpeg("-c:v libx264 -g 30 -preset ultrafast -c:a aac", "room1?token=abc");
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(eventually([&] { return gate_.snapshot().publications_ended == 1; }));
  const auto rec = gate_.snapshot();
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].room, "room1");
  EXPECT_EQ(rec.requests[0].token, "abc");
  EXPECT_EQ(rec.requests[0].protocol, "rtmp");
  EXPECT_NE(rec.requests[0].peer.find("127.0.0.1:"), std::string::npos);
  ASSERT_EQ(rec.video_configs.size(), 1u);
  EXPECT_EQ(rec.video_configs[0].avcc.at(0), 1);
  EXPECT_EQ(rec.video_configs[0].avcc.at(4) & 3, 3);
  ASSERT_EQ(rec.audio_configs.size(), 1u);
  EXPECT_GE(rec.audio_configs[0].asc.size(), 2u);

  EXPECT_GE(rec.video.size(), 85u);
  EXPECT_LE(rec.video.size(), 95u);
  int keyframes = 0;
  for (size_t i = 0; i < rec.video.size(); ++i) {
    const auto& f = rec.video[i];
    if (i > 0) {
      EXPECT_GT(f.dts_ns, rec.video[i - 1].dts_ns) << i;
    }
    EXPECT_GE(f.pts_ns, f.dts_ns) << i;
    EXPECT_EQ(f.keyframe, i % 30 == 0) << "frame " << i;
    keyframes += f.keyframe;
    ASSERT_TRUE(f.data && !f.data->empty());
  }
  EXPECT_EQ(keyframes, 3);
  // 3 s of 44.1 kHz AAC is ~129 frames of 1024 samples.
  EXPECT_GE(rec.audio.size(), 120u);
  EXPECT_LE(rec.audio.size(), 140u);
  for (size_t i = 1; i < rec.audio.size(); ++i) EXPECT_GE(rec.audio[i].dts_ns, rec.audio[i - 1].dts_ns);
  EXPECT_TRUE(eventually([&] { return sessionCount() == 0; }));
}

TEST_F(RtmpServerTest, ConflictMakesFfmpegFail) {
  if (!haveFfmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  gate_.refuse = common::ErrorCode::Conflict;
  const int rc = runFfmpeg("-c:v libx264 -preset ultrafast -c:a aac", "room1?token=abc");
  EXPECT_NE(rc, 0);
  const auto rec = gate_.snapshot();
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_TRUE(rec.video.empty());
}

TEST_F(RtmpServerTest, OtherVideoCodecFromFfmpegIsRefused) {
  if (!haveFfmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  // Debian's ffmpeg 5.1 cannot put HEVC in FLV; Sorenson H.263 (FLV codec id 2) is refused the same way.
  const int rc = runFfmpeg("-c:v flv1 -c:a aac", "room1?token=abc");
  EXPECT_NE(rc, 0);
  ASSERT_TRUE(eventually([&] { return gate_.snapshot().publications_ended == 1; }));
  const auto rec = gate_.snapshot();
  EXPECT_TRUE(rec.video_configs.empty());
  EXPECT_TRUE(rec.video.empty());
}

TEST_F(RtmpServerTest, HevcPublishIsRefused) {
  auto s = connectRaw();
  ClientScript client;
  Bytes out = ClientScript::handshake();
  for (const Bytes& b : {client.connect(), client.createStream(), client.publish("room1?token=abc"),
                         client.media(9, 0, Bytes{0x1C, 0x00, 0, 0, 0, 1, 2, 3, 4})}) {
    out.insert(out.end(), b.begin(), b.end());
  }
  asio::write(s, asio::buffer(out));
  Bytes got;
  ASSERT_TRUE(readUntilClosed(s, got));
  ServerOutput server;
  server.feed(got);
  const auto codes = server.statusCodes();
  ASSERT_GE(codes.size(), 3u);
  EXPECT_EQ(codes[0], "NetConnection.Connect.Success");
  EXPECT_EQ(codes[1], "NetStream.Publish.Start");
  EXPECT_EQ(codes.back(), "NetStream.Publish.Rejected");
  EXPECT_TRUE(eventually([&] { return gate_.snapshot().publications_alive == 0; }));
  EXPECT_TRUE(gate_.snapshot().video_configs.empty());
}

TEST_F(RtmpServerTest, GarbageClosesTheConnection) {
  auto s = connectRaw();
  Bytes garbage(4000);
  std::mt19937 rng(7);
  for (auto& b : garbage) b = static_cast<uint8_t>(rng());
  garbage[0] = 'G';  // not RTMP version 3
  boost::system::error_code ec;
  asio::write(s, asio::buffer(garbage), ec);
  Bytes got;
  EXPECT_TRUE(readUntilClosed(s, got));
  EXPECT_TRUE(got.empty());

  // Valid handshake, then garbage chunks.
  auto s2 = connectRaw();
  Bytes bytes = ClientScript::handshake();
  bytes.insert(bytes.end(), garbage.begin() + 1, garbage.end());
  bytes[1 + 3072] = 0x45;  // fmt 1 on a chunk stream never opened
  asio::write(s2, asio::buffer(bytes), ec);
  got.clear();
  EXPECT_TRUE(readUntilClosed(s2, got));
  EXPECT_TRUE(eventually([&] { return sessionCount() == 0; }));
}

TEST_F(RtmpServerTest, TruncatedHandshakeTimesOut) {
  auto s = connectRaw();
  Bytes partial(200, 0);
  partial[0] = 3;
  asio::write(s, asio::buffer(partial));
  const auto start = std::chrono::steady_clock::now();
  Bytes got;
  EXPECT_TRUE(readUntilClosed(s, got));
  EXPECT_TRUE(got.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3000));
  EXPECT_TRUE(eventually([&] { return sessionCount() == 0; }));
}

TEST_F(RtmpServerTest, StopClosesLiveSessionsAndIsIdempotent) {
  auto s = connectRaw();
  Bytes out = ClientScript::handshake();
  ClientScript client;
  for (const Bytes& b : {client.connect(), client.publish("room9?token=t")}) out.insert(out.end(), b.begin(), b.end());
  asio::write(s, asio::buffer(out));
  ASSERT_TRUE(eventually([&] { return gate_.snapshot().publications_alive == 1; }));
  std::promise<void> done;
  asio::post(loop_, [&] {
    server_->stop();
    server_->stop();
    done.set_value();
  });
  done.get_future().get();
  EXPECT_EQ(gate_.snapshot().publications_alive, 0);
  Bytes got;
  EXPECT_TRUE(readUntilClosed(s, got));
}

class RtmpServerStallTest : public RtmpServerTest {
 protected:
  void SetUp() override {
    config_.ingest.stall_timeout_s = 1;
    RtmpServerTest::SetUp();
  }
};

TEST_F(RtmpServerStallTest, PublisherSendingNothingIsDropped) {
  auto s = connectRaw();
  Bytes out = ClientScript::handshake();
  ClientScript client;
  for (const Bytes& b : {client.connect(), client.createStream(), client.publish("room3?token=t")}) {
    out.insert(out.end(), b.begin(), b.end());
  }
  asio::write(s, asio::buffer(out));
  ASSERT_TRUE(eventually([&] { return gate_.snapshot().publications_alive == 1; }));
  const auto start = std::chrono::steady_clock::now();
  Bytes got;
  EXPECT_TRUE(readUntilClosed(s, got));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700));
  EXPECT_EQ(gate_.snapshot().publications_alive, 0);
  EXPECT_EQ(gate_.snapshot().publications_ended, 1);
}

TEST(RtmpServerStart, BindFailureThrows) {
  asio::io_context loop;
  RecordingGate gate;
  common::Config config;
  config.rtmp.host = "127.0.0.1";
  config.rtmp.port = 0;
  RtmpServer first(loop, config, gate);
  first.start();
  config.rtmp.port = first.port();
  RtmpServer second(loop, config, gate);
  EXPECT_THROW(second.start(), common::Error);
  config.rtmp.host = "not-an-address";
  RtmpServer third(loop, config, gate);
  EXPECT_THROW(third.start(), common::Error);
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
