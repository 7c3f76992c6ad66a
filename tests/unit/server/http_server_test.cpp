// HttpServer on a free loopback port with real sockets: routing, keep-alive, HEAD/OPTIONS, parked requests woken
// from another thread or at their deadline, body bounds, the per-IP limit and websocket upgrades on /ws.
#include "server/http_server.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "common/error.hpp"

#include "server/deps.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

using namespace std::chrono_literals;
using test::HttpTestClient;

std::atomic<int> g_ws_established{0};
std::atomic<int> g_ws_received{0};

int testWsCallback(lws* wsi, lws_callback_reasons reason, void*, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: ++g_ws_established; break;
    case LWS_CALLBACK_RECEIVE:
      if (len == 4 && std::string_view(static_cast<const char*>(in), len) == "ping") ++g_ws_received;
      break;
    default: break;
  }
  (void)wsi;
  return 0;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routeLwsLogs(common::log::Level::Warn);
    router_.add(HttpMethod::Get, "/hello", [](const HttpRequest& r) {
      return common::HttpResponse::text(200, "hello " + r.queryParam("name"));
    });
    router_.add(HttpMethod::Post, "/echo", [](const HttpRequest& r) {
      return common::HttpResponse::text(200, r.body);
    });
    router_.add(HttpMethod::Get, "/big", [](const HttpRequest&) {
      return common::HttpResponse::text(200, std::string(3 * 1024 * 1024 + 7, 'x'));
    });
    router_.add(HttpMethod::Get, "/wait", [this](const HttpRequest& r) -> HttpReply {
      ++wait_calls_;
      if (ready_.load()) return common::HttpResponse::text(200, "ready");
      if (r.deadline_passed) return common::HttpResponse::text(200, "deadline");
      return HttpReply::waitFor(std::chrono::milliseconds(std::stoi(r.queryParam("ms"))));
    });
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  void start(HttpServer::Settings s = {}) {
    s.host = "127.0.0.1";
    s.port = 0;
    server_ = std::make_unique<HttpServer>(std::move(s), router_, metrics_);
    server_->start();
    ASSERT_GT(server_->port(), 0);
  }

  HttpRouter router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> ready_{false};
  std::atomic<int> wait_calls_{0};
};

TEST_F(HttpServerTest, AnswersAndKeepsTheConnectionAlive) {
  start();
  HttpTestClient c(server_->port());
  auto r1 = c.request("GET", "/hello?name=ann");
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "hello ann");
  EXPECT_EQ(r1.headers["access-control-allow-origin"], "*");
  auto r2 = c.request("GET", "/hello?name=bob");  // same socket
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "hello bob");
  auto r3 = c.request("GET", "/nope");
  EXPECT_EQ(r3.status, 404);
  EXPECT_NE(r3.body.find("\"code\":\"not_found\""), std::string::npos) << r3.body;
  EXPECT_EQ(metrics_.total(200), 2u);
  EXPECT_EQ(metrics_.total(404), 1u);
}

TEST_F(HttpServerTest, LargeBodyArrivesWhole) {
  start();
  HttpTestClient c(server_->port());
  auto r = c.request("GET", "/big");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 3u * 1024 * 1024 + 7);
  EXPECT_EQ(c.request("GET", "/hello").status, 200);
}

TEST_F(HttpServerTest, HeadHasLengthButNoBodyAndOptionsIsAPreflight) {
  start();
  HttpTestClient c(server_->port());
  auto head = c.request("HEAD", "/hello?name=ann");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], "9");
  EXPECT_TRUE(head.body.empty());
  auto after = c.request("GET", "/hello?name=x");  // the connection is still in step
  EXPECT_EQ(after.body, "hello x");
  auto options = c.request("OPTIONS", "/whip/room1",
                           {}, "Origin: http://example.org\r\nAccess-Control-Request-Method: POST\r\n");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.headers["access-control-allow-origin"], "*");
  EXPECT_NE(options.headers["access-control-allow-methods"].find("POST"), std::string::npos);
  EXPECT_NE(options.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
}

TEST_F(HttpServerTest, ParkedRequestIsAnsweredAfterAWakeUpFromAnotherThread) {
  start();
  HttpTestClient c(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  std::thread waker([this] {
    std::this_thread::sleep_for(200ms);
    ready_ = true;
    server_->wake();
  });
  auto r = c.request("GET", "/wait?ms=5000");
  waker.join();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready");
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3000ms);
  EXPECT_GE(wait_calls_.load(), 2);
}

TEST_F(HttpServerTest, ParkedRequestIsAnsweredAtItsDeadline) {
  start();
  HttpTestClient c(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.request("GET", "/wait?ms=300");
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "deadline");
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(c.request("GET", "/hello").status, 200);  // keep-alive after a parked request
}

TEST_F(HttpServerTest, ClientLeavingWhileParkedIsForgotten) {
  start();
  {
    HttpTestClient c(server_->port());
    c.sendRaw("GET /wait?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(50ms);
  }  // closed while parked
  std::this_thread::sleep_for(300ms);
  ready_ = true;
  server_->wake();
  HttpTestClient c2(server_->port());
  EXPECT_EQ(c2.request("GET", "/hello").status, 200);
}

TEST_F(HttpServerTest, PostedTasksRunOnTheServiceThread) {
  start();
  std::atomic<bool> ran{false};
  server_->post([&] { ran = true; });
  for (int i = 0; i < 100 && !ran; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(ran);
}

TEST_F(HttpServerTest, TicksAndStopHookRunOnTheServiceThread) {
  std::atomic<int> ticks{0};
  std::atomic<bool> stopped{false};
  std::thread::id tick_thread;
  HttpServer::Settings s;
  s.tick_interval = 20ms;
  s.on_tick = [&] {
    tick_thread = std::this_thread::get_id();
    ++ticks;
  };
  s.on_stop = [&] { stopped = true; };
  start(s);
  for (int i = 0; i < 100 && ticks < 3; ++i) std::this_thread::sleep_for(10ms);
  server_->stop();
  EXPECT_GE(ticks.load(), 3);
  EXPECT_NE(tick_thread, std::this_thread::get_id());
  EXPECT_TRUE(stopped);
}

TEST_F(HttpServerTest, BodiesAreBounded) {
  HttpServer::Settings s;
  s.max_body_bytes = 1000;
  start(s);
  {
    HttpTestClient c(server_->port());
    auto ok = c.request("POST", "/echo", std::string(900, 'a'));
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body.size(), 900u);
  }
  {
    HttpTestClient c(server_->port());
    // Announces more than the bound: refused before the body is read.
    c.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.headers["connection"], "close");
  }
  EXPECT_EQ(metrics_.total(413), 1u);
}

TEST_F(HttpServerTest, LongUrlsAreRefused) {
  HttpServer::Settings s;
  s.max_url_bytes = 100;
  start(s);
  HttpTestClient c(server_->port());
  EXPECT_EQ(c.request("GET", "/hello?name=" + std::string(200, 'n')).status, 414);
}

TEST_F(HttpServerTest, OversizedHeadersAreRefusedAndTheServerCarriesOn) {
  start();
  {
    HttpTestClient c(server_->port());
    c.sendRaw("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n");
    auto r = c.read();
    EXPECT_TRUE(r.closed || r.status >= 400) << r.status;
  }
  HttpTestClient c(server_->port());
  EXPECT_EQ(c.request("GET", "/hello?name=ok").body, "hello ok");
}

TEST_F(HttpServerTest, PerIpConnectionLimitAnswers503) {
  HttpServer::Settings s;
  s.max_connections_per_ip = 2;
  start(s);
  HttpTestClient a(server_->port());
  HttpTestClient b(server_->port());
  EXPECT_EQ(a.request("GET", "/hello").status, 200);
  EXPECT_EQ(b.request("GET", "/hello").status, 200);
  {
    HttpTestClient c(server_->port());
    EXPECT_EQ(c.request("GET", "/hello").status, 503);
  }
  std::this_thread::sleep_for(100ms);
  // Closing one frees a place.
  a.close();
  std::this_thread::sleep_for(200ms);
  HttpTestClient d(server_->port());
  EXPECT_EQ(d.request("GET", "/hello").status, 200);
}

std::string upgradeRequest(const std::string& path, const std::string& extra = {}) {
  return "GET " + path +
         " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         extra + "\r\n";
}

TEST_F(HttpServerTest, WebsocketUpgradeOnWsReachesTheExtraProtocol) {
  HttpServer::Settings s;
  s.protocols.push_back(lws_protocols{"airclass-ws", &testWsCallback, 0, 1024, 0, nullptr, 0});
  start(s);
  g_ws_established = 0;
  g_ws_received = 0;
  {
    HttpTestClient c(server_->port());  // a browser's `new WebSocket(url)`: no protocol header
    c.sendRaw(upgradeRequest("/ws"));
    auto r = c.read(true);
    EXPECT_EQ(r.status, 101);
    EXPECT_EQ(r.headers["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // A masked text frame "ping".
    const unsigned char frame[] = {0x81, 0x84, 1, 2, 3, 4, 'p' ^ 1, 'i' ^ 2, 'n' ^ 3, 'g' ^ 4};
    c.sendRaw(std::string(reinterpret_cast<const char*>(frame), sizeof(frame)));
    for (int i = 0; i < 100 && g_ws_received == 0; ++i) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(g_ws_established.load(), 1);
  EXPECT_EQ(g_ws_received.load(), 1);
  {
    HttpTestClient c(server_->port());  // by protocol name
    c.sendRaw(upgradeRequest("/ws", "Sec-WebSocket-Protocol: airclass-ws\r\n"));
    auto r = c.read(true);
    EXPECT_EQ(r.status, 101);
    EXPECT_EQ(r.headers["sec-websocket-protocol"], "airclass-ws");
  }
  {
    HttpTestClient c(server_->port());  // other paths are not websockets
    c.sendRaw(upgradeRequest("/elsewhere"));
    auto r = c.read(true);
    EXPECT_NE(r.status, 101);
  }
  {
    HttpTestClient c(server_->port());  // plain HTTP still reaches the router
    EXPECT_EQ(c.request("GET", "/hello?name=z").body, "hello z");
    EXPECT_EQ(c.request("GET", "/hello?name=y").body, "hello y");
  }
  EXPECT_EQ(g_ws_established.load(), 2);
}

TEST_F(HttpServerTest, WithoutAWsProtocolUpgradesAreRefused) {
  start();
  HttpTestClient c(server_->port());
  c.sendRaw(upgradeRequest("/ws"));
  auto r = c.read(true);
  EXPECT_NE(r.status, 101);
}

TEST_F(HttpServerTest, StartFailsOnAPortInUse) {
  start();
  HttpServer::Settings s;
  s.host = "127.0.0.1";
  s.port = server_->port();
  HttpServer second(s, router_, metrics_);
  EXPECT_THROW(second.start(), common::Error);
}

}  // namespace
}  // namespace airclass::server
