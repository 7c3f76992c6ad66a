// Integration over real websockets: an lws context of the test's own with the "airclass-ws" protocol on a free
// loopback port, one service thread, and Boost.Beast clients.
#include <gtest/gtest.h>
#include <libwebsockets.h>

#include <atomic>
// Beast trips GCC 12's flow-based -Wmaybe-uninitialized: a false positive in Boost.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "common/config.hpp"
#include "signaling/signaling_service.hpp"
#include "signaling_test_support.hpp"

namespace airclass::signaling {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using common::Role;
using json = nlohmann::json;
using testing::kSecret;
using testing::TempDir;
using testing::token;

// The server side: the service and an lws context serviced on its own thread, like server/ does.
class LwsHarness {
 public:
  explicit LwsHarness(const common::Config& config) : service_(config) {
    protocols_[0] = service_.protocol();
    protocols_[1] = lws_protocols{};
    lws_set_log_level(LLL_ERR, nullptr);
    lws_context_creation_info info{};
    info.port = 0;  // any free port
    info.iface = "127.0.0.1";
    info.protocols = protocols_;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    context_ = lws_create_context(&info);
    if (!context_) throw std::runtime_error("lws_create_context failed");
    port_ = lws_get_vhost_listen_port(lws_get_vhost_by_name(context_, "default"));
    thread_ = std::thread([this] { loop(); });
  }
  ~LwsHarness() {
    run([this] { service_.shutdown(); });
    stop_ = true;
    lws_cancel_service(context_);
    thread_.join();
    lws_context_destroy(context_);  // before the service: the protocol points into it
  }

  int port() const { return port_; }

  // Runs fn on the lws service thread and waits for it.
  template <class F>
  auto run(F fn) -> decltype(fn()) {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    auto future = task->get_future();
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back([task] { (*task)(); });
    }
    lws_cancel_service(context_);
    return future.get();
  }
  SignalingService& service() { return service_; }  // lws thread only (through run)

 private:
  void loop() {
    auto last_tick = std::chrono::steady_clock::now();
    while (!stop_) {
      lws_service(context_, 0);
      std::deque<std::function<void()>> tasks;
      {
        std::lock_guard lock(mutex_);
        tasks.swap(tasks_);
      }
      for (auto& t : tasks) t();
      if (std::chrono::steady_clock::now() - last_tick > std::chrono::milliseconds(100)) {
        service_.tick();
        last_tick = std::chrono::steady_clock::now();
      }
    }
  }

  SignalingService service_;
  lws_protocols protocols_[2];
  lws_context* context_ = nullptr;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
};

class Client {
 public:
  Client(int port, const std::string& bearer = "", int receive_buffer = 0) {
    tcp::socket& sock = ws_.next_layer();
    sock.open(tcp::v4());
    if (receive_buffer) sock.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    if (!bearer.empty()) {
      ws_.set_option(websocket::stream_base::decorator(
          [bearer](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + bearer); }));
    }
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    ws_.text(true);
  }

  void send(json j) {
    j["v"] = 1;
    if (!j.contains("id")) j["id"] = "c" + std::to_string(++n_);
    ws_.write(net::buffer(j.dump()));
  }
  void sendRaw(const std::string& text) { ws_.write(net::buffer(text)); }

  // The next message, or nullopt on timeout / close.
  std::optional<json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    beast::flat_buffer buffer;
    bool done = false;
    beast::error_code ec;
    ws_.async_read(buffer, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return std::nullopt;
    }
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    return json::parse(beast::buffers_to_string(buffer.data()));
  }
  // Skips other messages (presence, ...) until one of `type`.
  json readType(const std::string& type) {
    for (int i = 0; i < 200; ++i) {
      auto m = read();
      if (!m) break;
      if ((*m)["type"] == type) return *m;
    }
    ADD_FAILURE() << "no \"" << type << "\" message";
    return json();
  }
  beast::error_code lastError() const { return last_error_; }
  uint16_t closeCode() const { return ws_.reason().code; }  // from the server's close frame

 private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  beast::error_code last_error_;
  int n_ = 0;
};

class WsServerTest : public ::testing::Test {
 protected:
  WsServerTest() {
    config.data_dir = dir.path();
    config.auth.secret = kSecret;
    config.signaling.send_queue_messages = 8;
    harness = std::make_unique<LwsHarness>(config);
  }
  ~WsServerTest() override { harness.reset(); }

  json stats() {
    auto r = harness->run([&] {
      return harness->service().handleRest("GET", "/api/v1/stats", "", "Bearer " + token(Role::Admin, "", "root"));
    });
    return json::parse(*r.body);
  }

  TempDir dir;
  common::Config config;
  std::unique_ptr<LwsHarness> harness;
};

TEST_F(WsServerTest, AuthJoinAndQuestionBroadcastReachEveryone) {
  Client teacher(harness->port(), token(Role::Teacher, "math", "t1"));  // Authorization header
  EXPECT_EQ(teacher.readType("auth_ok")["role"], "teacher");
  teacher.send({{"type", "join"}, {"room", "math"}});
  EXPECT_EQ(teacher.readType("joined")["room"], "math");

  Client s1(harness->port());
  s1.send({{"type", "auth"}, {"token", token(Role::Student, "math", "s1")}});  // first message
  s1.readType("auth_ok");
  s1.send({{"type", "join"}, {"room", "bio"}, {"id", "wrong"}});
  json err = s1.readType("error");
  EXPECT_EQ(err["code"], "forbidden");
  EXPECT_EQ(err["re"], "wrong");
  s1.send({{"type", "join"}, {"room", "math"}});
  s1.readType("joined");

  Client s2(harness->port(), token(Role::Student, "math", "s2"));
  s2.readType("auth_ok");
  s2.send({{"type", "join"}, {"room", "math"}});
  s2.readType("joined");

  s1.send({{"type", "ask"}, {"text", "Is light a wave?"}});
  for (Client* c : {&teacher, &s1, &s2}) {
    json e = c->readType("qna");
    EXPECT_EQ(e["action"], "asked");
    EXPECT_EQ(e["question"]["text"], "Is light a wave?");
  }
  EXPECT_EQ(s1.readType("ok")["question_id"], 1);

  s2.sendRaw("{not json");
  EXPECT_EQ(s2.readType("error")["code"], "bad_request");
  s2.sendRaw(std::string(config.signaling.max_message_bytes + 10, ' '));
  EXPECT_EQ(s2.readType("error")["code"], "too_large");
  s2.send({{"type", "ping"}});
  EXPECT_EQ(s2.readType("pong")["type"], "pong");  // still connected after bad input

  EXPECT_EQ(stats()["totals"]["total"], 3);
}

TEST_F(WsServerTest, UnauthenticatedMessagesCloseTheConnection) {
  Client c(harness->port());
  c.send({{"type", "join"}, {"room", "math"}});
  EXPECT_EQ(c.readType("error")["code"], "unauthorized");
  EXPECT_FALSE(c.read(std::chrono::seconds(3)).has_value());
  EXPECT_TRUE(c.lastError()) << "the server closed the connection";
  EXPECT_EQ(c.closeCode(), 1008);  // a clean close with a reason, not a reset
}

TEST_F(WsServerTest, SlowReaderIsDroppedWhileOthersKeepReceiving) {
  Client fast(harness->port(), token(Role::Student, "math", "fast"));
  fast.send({{"type", "join"}, {"room", "math"}});
  fast.readType("joined");
  Client slow(harness->port(), token(Role::Student, "math", "slow"), 4096);
  slow.send({{"type", "join"}, {"room", "math"}});
  // `slow` never reads from here on.
  harness->run([] { return 0; });
  EXPECT_EQ(stats()["totals"]["student"], 2);

  const std::string url = "/hls/math/index.m3u8?pad=" + std::string(32 * 1024, 'x');
  int received = 0;
  constexpr int kRounds = 400;  // 4 x 32 KiB per round: ~50 MiB for the slow reader, far beyond socket buffers
  for (int round = 0; round < kRounds; ++round) {
    harness->run([&] {
      for (int i = 0; i < 4; ++i) harness->service().onBroadcastStarted("math", url);
      return 0;
    });
    for (int i = 0; i < 4; ++i) {
      json m = fast.readType("broadcast_started");
      if (m["hls_url"] == url) ++received;
    }
  }
  EXPECT_EQ(received, 4 * kRounds);  // the fast reader got every event

  // The slow reader was dropped: the counts no longer include it.
  int students = 2;
  for (int i = 0; i < 50 && students != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    students = stats()["totals"]["student"];
  }
  EXPECT_EQ(students, 1);
  fast.send({{"type", "ping"}});
  EXPECT_EQ(fast.readType("pong")["type"], "pong");
}

}  // namespace
}  // namespace airclass::signaling
