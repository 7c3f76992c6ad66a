// /whip/ through a real HttpServer, WhipGateway, media loop, MediaService and WhipIngest: the refusals a client
// can meet, including 409 for a room that already has a publisher (parked, answered by the media loop, woken).
// The browser publishing for real is tests/e2e/whip.test.mjs.
#include "server/whip_routes.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <gst/gst.h>

#include "common/auth.hpp"
#include "media/hls/hls_store.hpp"
#include "media/ingest/whip_ingest.hpp"
#include "media/media_service.hpp"
#include "server/deps.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "server/whip_gateway.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

namespace asio = boost::asio;

constexpr const char* kSecret = "whip-routes-test-secret";

std::string chromiumOffer() {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/chromium_whip_offer.sdp");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string token(common::Role role, const std::string& room) {
  const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(
                          (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch())
                          .count();
  return common::mintToken({"u1", "Teacher", role, room, exp, 0}, kSecret);
}

template <class Task>
void onLoop(asio::io_context& loop, Task task) {
  std::packaged_task<void()> job(std::move(task));
  auto done = job.get_future();
  asio::post(loop, [&job] { job(); });
  done.get();
}

class WhipRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    routeLwsLogs(common::log::Level::Warn);
    config_.auth.secret = kSecret;
    guard_.emplace(asio::make_work_guard(loop_));
    thread_ = std::thread([this] { loop_.run(); });
    gateway_ = std::make_unique<WhipGateway>(loop_, [this] { server_->wake(); });
    addWhipRoutes(router_, *gateway_, kSecret);
    HttpServer::Settings s;
    s.host = "127.0.0.1";
    s.port = 0;
    server_ = std::make_unique<HttpServer>(s, router_, metrics_);
    server_->start();
    onLoop(loop_, [this] {
      media_ = std::make_unique<media::MediaService>(loop_, config_, hls_);
      ingest_ = std::make_unique<media::ingest::WhipIngest>(loop_, config_, *media_);
      gateway_->setIngest(ingest_.get());
    });
  }
  void TearDown() override {
    server_->stop();
    onLoop(loop_, [this] {
      gateway_->setIngest(nullptr);
      ingest_.reset();
      held_.reset();
      media_->shutdown();
      media_.reset();
    });
    guard_.reset();
    loop_.stop();
    thread_.join();
  }

  test::Response post(const std::string& room, const std::string& body, const std::string& headers) {
    test::HttpTestClient c(server_->port());
    return c.request("POST", "/whip/" + room, body, headers);
  }

  common::Config config_;
  asio::io_context loop_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
  media::hls::HlsStore hls_;
  std::unique_ptr<media::MediaService> media_;
  std::unique_ptr<media::ingest::WhipIngest> ingest_;
  std::unique_ptr<media::ingest::Publication> held_;  // another publisher, for 409
  HttpRouter router_;
  HttpMetrics metrics_;
  std::unique_ptr<WhipGateway> gateway_;
  std::unique_ptr<HttpServer> server_;
};

TEST(WhipPath, ParsesRoomAndResource) {
  auto p = parseWhipPath("/whip/math-101");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->room, "math-101");
  EXPECT_EQ(p->resource, "");
  p = parseWhipPath("/whip/math/0a1b2c");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resource, "0a1b2c");
  for (const char* bad : {"/whip/", "/whip", "/whep/math", "/whip/ma th", "/whip/math/", "/whip/math/XYZ",
                          "/whip/math/ab/cd", "/whip/../etc"}) {
    EXPECT_FALSE(parseWhipPath(bad)) << bad;
  }
  EXPECT_FALSE(parseWhipPath("/whip/" + std::string(65, 'a')));
}

TEST_F(WhipRoutesTest, RefusesWithoutAGoodTeacherToken) {
  const std::string offer = chromiumOffer();
  const std::string sdp = "Content-Type: application/sdp\r\n";
  auto r = post("math", offer, sdp);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(post("math", offer, sdp + "Authorization: Bearer nope\r\n").status, 401);
  EXPECT_EQ(post("math", offer, sdp + "Authorization: Bearer " + token(common::Role::Student, "math") + "\r\n").status,
            403);
  EXPECT_EQ(post("math", offer, sdp + "Authorization: Bearer " + token(common::Role::Teacher, "art") + "\r\n").status,
            403);
}

TEST_F(WhipRoutesTest, RefusesBadOffers) {
  const std::string auth = "Authorization: Bearer " + token(common::Role::Teacher, "math") + "\r\n";
  const std::string offer = chromiumOffer();
  EXPECT_EQ(post("math", offer, auth + "Content-Type: text/plain\r\n").status, 415);
  EXPECT_EQ(post("math", "v=0\r\nx", auth + "Content-Type: application/sdp\r\n").status, 400);
  std::string vp9 = offer;
  const size_t line = vp9.find("m=video");
  vp9.replace(line, vp9.find("\r\n", line) - line, "m=video 9 UDP/TLS/RTP/SAVPF 98");
  auto r = post("math", vp9, auth + "Content-Type: application/sdp\r\n");
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("unsupported"), std::string::npos) << r.body;
  EXPECT_EQ(post("no%20room", offer, auth + "Content-Type: application/sdp\r\n").status, 404);
}

TEST_F(WhipRoutesTest, SecondPublisherIsAConflict) {
  onLoop(loop_, [this] {
    held_ = media_->publish({"math", token(common::Role::Teacher, "math"), "rtmp", "test"});
  });
  const std::string auth = "Authorization: Bearer " + token(common::Role::Teacher, "math") + "\r\n";
  auto r = post("math", chromiumOffer(), auth + "Content-Type: application/sdp\r\n");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("already live"), std::string::npos) << r.body;
  onLoop(loop_, [this] { EXPECT_EQ(ingest_->sessions(), 0u); });
}

TEST_F(WhipRoutesTest, DeleteOfAnUnknownResourceIs404) {
  test::HttpTestClient c(server_->port());
  EXPECT_EQ(c.request("DELETE", "/whip/math/0123456789abcdef").status, 404);  // asked of the media loop
  EXPECT_EQ(c.request("DELETE", "/whip/math").status, 404);
}

// A UDP socket on a kernel-chosen port of `ip`, standing in for a publisher's host candidate.
class UdpListener {
 public:
  explicit UdpListener(const std::string& ip) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("udp socket");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~UdpListener() { ::close(fd_); }
  int port() const { return port_; }
  // The first datagram within `timeout`, empty when none came.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buffer[1500];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The address of an SDP's first IPv4 UDP host candidate ("a=candidate:F 1 UDP P <address> <port> typ host").
std::string firstUdpIpv4Candidate(const std::string& sdp) {
  std::istringstream lines(sdp);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("a=candidate:", 0) != 0) continue;
    std::istringstream words(line);
    std::string foundation, component, transport, priority, address;
    words >> foundation >> component >> transport >> priority >> address;
    if (component == "1" && (transport == "UDP" || transport == "udp") && address.find(':') == std::string::npos) {
      return address;
    }
  }
  return "";
}

// Trickle ICE end to end below the browser: a publisher POSTs an offer without candidates, PATCHes one host
// candidate, and the session's ICE agent (libnice in webrtcbin) sends its connectivity checks there: STUN
// binding requests with USERNAME "<offer ufrag>:<answer ufrag>".
TEST_F(WhipRoutesTest, PatchTricklesCandidatesToTheSessionsIceAgent) {
  const std::string auth = "Authorization: Bearer " + token(common::Role::Teacher, "math") + "\r\n";
  const std::string offer = chromiumOffer();  // no a=candidate lines
  auto created = post("math", offer, auth + "Content-Type: application/sdp\r\n");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string location = created.headers["location"];
  ASSERT_EQ(location.rfind("/whip/math/", 0), 0u) << location;
  const std::string id = location.substr(std::string("/whip/math/").size());
  EXPECT_EQ(created.headers["etag"], "\"" + id + "\"");
  EXPECT_NE(created.body.find("a=candidate:"), std::string::npos) << created.body;  // ours, gathered before
  EXPECT_NE(created.body.find("a=ice-options:trickle"), std::string::npos) << created.body;

  // The publisher's candidate on an address the server gathered on (libnice leaves loopback out).
  const std::string host = firstUdpIpv4Candidate(created.body);
  ASSERT_FALSE(host.empty()) << created.body;
  UdpListener publisher(host);
  const std::string sdpfrag = "Content-Type: application/trickle-ice-sdpfrag\r\n";
  const std::string creds = "a=ice-ufrag:wiYw\r\na=ice-pwd:wJPgsNYI3gogb9+754ShecJd\r\n";
  const std::string video = "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n";
  const std::string candidate =
      "a=candidate:1 1 udp 2122260223 " + host + " " + std::to_string(publisher.port()) + " typ host\r\n";
  test::HttpTestClient c(server_->port());
  const auto patch = [&](const std::string& path, const std::string& body, const std::string& headers) {
    return c.request("PATCH", path, body, headers);
  };

  // Refusals first: none of them may add the candidate.
  auto r = patch(location, creds + video + candidate, sdpfrag);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(patch(location, creds + video + candidate,
                  sdpfrag + "Authorization: Bearer " + token(common::Role::Student, "math") + "\r\n")
                .status,
            403);
  EXPECT_EQ(patch(location, creds + video + candidate, auth + "Content-Type: application/sdp\r\n").status, 415);
  EXPECT_EQ(patch(location, video + candidate, auth + sdpfrag).status, 400);  // no credentials
  EXPECT_EQ(patch(location, creds + "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:7\r\n" + candidate, auth + sdpfrag)
                .status,
            400);  // no such mid in the offer
  EXPECT_EQ(patch(location, creds + video + candidate, auth + sdpfrag + "If-Match: \"0123\"\r\n").status, 412);
  // Other credentials: an ICE restart, which we do not support (RFC 9725 4.3.1: 422).
  r = patch(location, "a=ice-ufrag:rest\r\na=ice-pwd:0123456789abcdefghijklmn\r\n" + video + candidate,
            auth + sdpfrag + "If-Match: *\r\n");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(patch("/whip/math/0123456789abcdef", creds + video + candidate, auth + sdpfrag).status, 404);
  const std::string art = "Authorization: Bearer " + token(common::Role::Teacher, "art") + "\r\n";
  EXPECT_EQ(patch("/whip/art/" + id, creds + video + candidate, art + sdpfrag).status, 404);  // not art's
  EXPECT_EQ(publisher.receive(std::chrono::milliseconds(500)), "") << "a refused PATCH reached the ICE agent";

  r = patch(location, creds + video + candidate, auth + sdpfrag + "If-Match: \"" + id + "\"\r\n");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.headers.count("etag"), 0u);  // RFC 9725 4.3.2: none on a plain trickle
  const std::string check = publisher.receive(std::chrono::seconds(10));
  ASSERT_GE(check.size(), 20u) << "no connectivity check reached the trickled candidate";
  EXPECT_EQ(static_cast<unsigned char>(check[0]), 0x00);  // STUN binding request
  EXPECT_EQ(static_cast<unsigned char>(check[1]), 0x01);
  EXPECT_EQ(check.substr(4, 4), std::string("\x21\x12\xa4\x42"));  // magic cookie
  EXPECT_NE(check.find("wiYw:"), std::string::npos);
  // Nobody answers the checks: the session fails after libnice's retransmissions, seconds from now.
  EXPECT_EQ(patch(location, creds + "a=end-of-candidates\r\n" + video, auth + sdpfrag).status, 204);

  EXPECT_EQ(c.request("DELETE", location).status, 200);
  EXPECT_EQ(patch(location, creds + video + candidate, auth + sdpfrag).status, 404);
}

}  // namespace
}  // namespace airclass::server
