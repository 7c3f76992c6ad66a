// Delivers webhook events (JSON) to the configured http:// URL from its own thread, through a bounded queue:
// enqueue() never blocks (a full queue drops the event and counts it), so media and signaling are never slowed
// by a receiver that hangs or fails. Each POST carries X-AirClass-Signature: sha256=<hex HMAC-SHA256 of the
// body>; a non-2xx answer or a timeout is retried with exponential backoff, at most max_retries times.
// enqueue() and the counters: any thread; constructor, start(), stop(), destructor: the owner.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/config.hpp"

namespace airclass::server {

class WebhookSender {
 public:
  static constexpr size_t kQueueLimit = 1000;

  // Throws common::Error(Config) for a URL that is not http://host[:port][/path].
  explicit WebhookSender(const common::Config::Webhooks& config);
  ~WebhookSender();  // stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  void stop();  // gives up on what is queued (no waiting for a hanging receiver)

  // `event` names it (X-AirClass-Event); `body` is the JSON text. False when the queue is full.
  bool enqueue(const std::string& event, std::string body);

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed() const { return failed_.load(); }    // gave up after the last retry
  uint64_t dropped() const { return dropped_.load(); }  // queue full

  // Pure helpers (any thread).
  static std::string signature(const std::string& secret, const std::string& body);  // "sha256=<hex>"
  static int statusOf(std::string_view answer);  // the status of an HTTP/1.x answer's first line, -1 if none

 private:
  struct Job {
    std::string event;
    std::string body;
    std::string delivery_id;
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  void run();
  int post(const Job& job);  // the HTTP status, or -1 on a network error / timeout

  common::Config::Webhooks config_;
  std::string host_;
  int port_ = 80;
  std::string path_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  std::thread thread_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace airclass::server
