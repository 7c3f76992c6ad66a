#include "server/webhook_sender.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "common/error.hpp"
#include "common/log.hpp"

namespace airclass::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr size_t kMaxAnswer = 16 * 1024;

class Socket {  // RAII fd
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

// Waits until fd is ready for `events` or the deadline passes.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

WebhookSender::WebhookSender(const common::Config::Webhooks& config) : config_(config) {
  constexpr std::string_view kScheme = "http://";
  std::string_view url = config.url;
  if (url.substr(0, kScheme.size()) != kScheme) {
    throw common::Error(common::ErrorCode::Config, "webhooks.url: only http:// URLs are supported");
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  path_ = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), port_);
    if (ec != std::errc() || p != port.data() + port.size() || port_ < 1 || port_ > 65535) {
      throw common::Error(common::ErrorCode::Config, "webhooks.url: bad port");
    }
    authority = authority.substr(0, colon);
  }
  host_ = std::string(authority);
  if (host_.empty()) throw common::Error(common::ErrorCode::Config, "webhooks.url: no host");
}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::start() {
  thread_ = std::thread([this] { run(); });
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool WebhookSender::enqueue(const std::string& event, std::string body) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kQueueLimit) {
      dropped_.fetch_add(1);
      return false;
    }
    queue_.push_back(Job{event, std::move(body), std::to_string(next_id_++), 0, Clock::now()});
  }
  wake_.notify_one();
  return true;
}

std::string WebhookSender::signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

void WebhookSender::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        if (!queue_.empty()) {
          // The job due first (retries wait their backoff; new events are due now).
          auto next = std::min_element(queue_.begin(), queue_.end(),
                                       [](const Job& a, const Job& b) { return a.due < b.due; });
          if (next->due <= Clock::now()) {
            job = std::move(*next);
            queue_.erase(next);
            break;
          }
          wake_.wait_until(lock, next->due);
        } else {
          wake_.wait(lock);
        }
      }
    }
    const int status = post(job);
    if (status >= 200 && status < 300) {
      delivered_.fetch_add(1);
      continue;
    }
    if (job.attempt >= config_.max_retries) {
      failed_.fetch_add(1);
      common::log::warn("server", "webhook", "gave up delivering",
                        {{"event", job.event}, {"status", std::to_string(status)},
                         {"attempts", std::to_string(job.attempt + 1)}});
      continue;
    }
    const auto backoff = std::min<Clock::duration>(kFirstBackoff * (1 << std::min(job.attempt, 10)), kMaxBackoff);
    job.attempt += 1;
    job.due = Clock::now() + backoff;
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));  // a retry may exceed the bound by the one job in flight, never more
  }
}

int WebhookSender::post(const Job& job) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.timeout_ms);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  AddrInfo found;
  if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found.list) != 0 || !found.list) return -1;
  Socket sock(::socket(found.list->ai_family, found.list->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return -1;
  if (::connect(sock.get(), found.list->ai_addr, found.list->ai_addrlen) != 0) {
    if (errno != EINPROGRESS || !waitFor(sock.get(), POLLOUT, deadline)) return -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return -1;
  }
  const std::string request = "POST " + path_ + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) +
                              "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(job.body.size()) + "\r\nX-AirClass-Event: " + job.event +
                              "\r\nX-AirClass-Delivery: " + job.delivery_id +
                              "\r\nX-AirClass-Signature: " + signature(config_.secret, job.body) +
                              "\r\nUser-Agent: airclass-webhooks\r\nConnection: close\r\n\r\n" + job.body;
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(sock.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(sock.get(), POLLOUT, deadline)) return -1;
    } else {
      return -1;
    }
  }
  // Only the status line matters: "HTTP/1.x NNN".
  std::string answer;
  char buf[2048];
  while (answer.find("\r\n") == std::string::npos && answer.size() < kMaxAnswer) {
    if (!waitFor(sock.get(), POLLIN, deadline)) return -1;
    const ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      break;
    }
  }
  return statusOf(answer);
}

int WebhookSender::statusOf(std::string_view answer) {
  if (answer.size() < 12 || answer.substr(0, 5) != "HTTP/") return -1;
  const size_t space = answer.find(' ');
  if (space == std::string_view::npos || space + 4 > answer.size()) return -1;
  int status = -1;
  auto [p, ec] = std::from_chars(answer.data() + space + 1, answer.data() + space + 4, status);
  if (ec != std::errc() || p != answer.data() + space + 4 || status < 100 || status > 599) return -1;
  return status;
}

}  // namespace airclass::server
