// A tiny HTTP/1.1 server on a kernel-chosen loopback port that answers each request with the next status of
// its script (200 once the script runs out; 0 = no answer: the connection is held 1 s, then closed) and keeps
// every request:
// a webhook receiver for the webhook tests. One thread of its own; requests() from any thread.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace airclass::test {

class ScriptedHttpReceiver {
 public:
  struct Request {
    std::string raw;      // as received: headers and body
    std::string headers;  // up to the blank line
    std::string body;     // Content-Length bytes
    int status = 0;       // what it was answered (0: not answered)
  };

  explicit ScriptedHttpReceiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedHttpReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  ScriptedHttpReceiver(const ScriptedHttpReceiver&) = delete;
  ScriptedHttpReceiver& operator=(const ScriptedHttpReceiver&) = delete;

  int port() const { return port_; }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void run() {
    for (size_t n = 0; !stop_; ++n) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      Request r;
      char buf[8192];
      size_t end = std::string::npos, length = 0;
      for (;;) {  // headers, then Content-Length bytes
        const ssize_t got = ::recv(c, buf, sizeof buf, 0);
        if (got <= 0) break;
        r.raw.append(buf, static_cast<size_t>(got));
        end = r.raw.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const size_t cl = r.raw.find("Content-Length: ");
        length = cl == std::string::npos ? 0 : std::stoul(r.raw.substr(cl + 16));
        if (r.raw.size() >= end + 4 + length) break;
      }
      if (end != std::string::npos) {
        r.headers = r.raw.substr(0, end);
        r.body = r.raw.substr(end + 4, length);
      }
      r.status = n < statuses_.size() ? statuses_[n] : 200;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(r);
      }
      if (r.status == 0) {
        for (int i = 0; i < 100 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        const std::string answer = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Length: 0\r\n\r\n";
        ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }

  std::vector<int> statuses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace airclass::test
