// WebhookSender against a tiny blocking HTTP receiver on loopback: signed bodies, retries after a 500, and a
// receiver that never answers neither blocks enqueue() nor holds up other events past the timeout.
#include "server/webhook_sender.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "tests/unit/server/scripted_http_receiver.hpp"

namespace airclass::server {
namespace {

using namespace std::chrono_literals;

// Accepts connections one at a time; answers each with the next status of `statuses` (then 200); 0 = never
// answer (hold the connection for a second, then drop it).
using Receiver = test::ScriptedHttpReceiver;

common::Config::Webhooks settings(int port, int timeout_ms = 1000, int retries = 3) {
  return common::Config::Webhooks{"http://127.0.0.1:" + std::to_string(port) + "/hooks", "k3y", timeout_ms, retries};
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string header(const std::string& request, const std::string& name) {
  const size_t at = request.find(name + ": ");
  if (at == std::string::npos) return {};
  const size_t start = at + name.size() + 2;
  return request.substr(start, request.find("\r\n", start) - start);
}

TEST(WebhookSender, SignatureIsHmacSha256OfTheBody) {
  // RFC 4231 test case 2.
  EXPECT_EQ(WebhookSender::signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSender, StatusLine) {
  EXPECT_EQ(WebhookSender::statusOf("HTTP/1.1 204 No Content\r\n"), 204);
  EXPECT_EQ(WebhookSender::statusOf("HTTP/1.0 500 X\r\n"), 500);
  EXPECT_EQ(WebhookSender::statusOf("HTTP/1.1 2x4 X\r\n"), -1);
  EXPECT_EQ(WebhookSender::statusOf("SSH-2.0-OpenSSH\r\n"), -1);
  EXPECT_EQ(WebhookSender::statusOf(""), -1);
}

TEST(WebhookSender, RejectsNonHttpUrls) {
  EXPECT_THROW(WebhookSender(common::Config::Webhooks{"https://x/y", "", 100, 0}), common::Error);
  EXPECT_THROW(WebhookSender(common::Config::Webhooks{"http://:80/y", "", 100, 0}), common::Error);
  EXPECT_THROW(WebhookSender(common::Config::Webhooks{"http://h:99999/", "", 100, 0}), common::Error);
}

TEST(WebhookSender, SignedPostRetriedAfterA500) {
  Receiver receiver({500});
  WebhookSender sender(settings(receiver.port()));
  sender.start();
  const std::string body = R"({"event":"broadcast_started","room":"math"})";
  ASSERT_TRUE(sender.enqueue("broadcast_started", body));
  ASSERT_TRUE(eventually([&] { return sender.delivered() == 1; }));
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);  // the 500, then the retry
  for (const auto& r : requests) {
    EXPECT_EQ(r.raw.substr(0, 12), "POST /hooks ");
    EXPECT_EQ(header(r.raw, "X-AirClass-Event"), "broadcast_started");
    EXPECT_EQ(header(r.raw, "X-AirClass-Signature"), WebhookSender::signature("k3y", body));
    EXPECT_EQ(r.raw.substr(r.raw.size() - body.size()), body);
  }
  EXPECT_EQ(header(requests[0].raw, "X-AirClass-Delivery"), header(requests[1].raw, "X-AirClass-Delivery"));
  EXPECT_EQ(sender.failed(), 0u);
}

TEST(WebhookSender, GivesUpAfterMaxRetries) {
  Receiver receiver({500, 500, 500, 500});
  WebhookSender sender(settings(receiver.port(), 1000, 1));
  sender.start();
  sender.enqueue("broadcast_stopped", "{}");
  ASSERT_TRUE(eventually([&] { return sender.failed() == 1; }));
  EXPECT_EQ(receiver.requests().size(), 2u);
  EXPECT_EQ(sender.delivered(), 0u);
}

TEST(WebhookSender, AHangingReceiverNeverBlocksTheCaller) {
  Receiver receiver({0});  // never answers the first request
  WebhookSender sender(settings(receiver.port(), 5000, 2));
  sender.start();
  sender.enqueue("e", "{}");
  ASSERT_TRUE(eventually([&] { return receiver.requests().size() == 1; }));  // the receiver now hangs
  // enqueue() only queues: these return while the sender waits on the hanging receiver; the queue is
  // bounded and the excess is dropped and counted.
  for (size_t i = 0; i < WebhookSender::kQueueLimit + 50; ++i) sender.enqueue("e", "{}");
  EXPECT_GE(sender.dropped(), 50u);
  ASSERT_TRUE(eventually([&] { return sender.delivered() >= 1; }));  // after the timeout, the others go through
}

}  // namespace
}  // namespace airclass::server
