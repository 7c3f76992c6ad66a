#include "media/webrtc/ice_tcp_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "media/webrtc/ice_tcp_stream.hpp"

namespace airclass::media::webrtc {

using common::Error;
using common::ErrorCode;

IceTcpServer::IceTcpServer(uint16_t port, bool ipv6, Limits limits, FrameHandler on_frame, DropHandler on_drop)
    : limits_(limits), on_frame_(std::move(on_frame)), on_drop_(std::move(on_drop)) {
  listen_fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ErrorCode::Unavailable, "webrtc: tcp socket: " + std::string(std::strerror(errno)));
  const int one = 1;
  const int off = 0;
  (void)::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage address{};
  socklen_t size = sizeof(sockaddr_in);
  if (ipv6) {
    (void)::setsockopt(listen_fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_any;
    in6->sin6_port = htons(port);
    size = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
  }
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), size) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw Error(ErrorCode::Unavailable, "webrtc: bind TCP port " + std::to_string(port) + ": " + why);
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);  // same offset in sockaddr_in6
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listen_fd_;
  if (epoll_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event) != 0) {
    ::close(listen_fd_);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    throw Error(ErrorCode::Unavailable, "webrtc: epoll: " + std::string(std::strerror(errno)));
  }
}

IceTcpServer::~IceTcpServer() {
  for (auto& [fd, c] : connections_) c.address.tcp->shutdown();
  connections_.clear();  // the streams close when the workers let go of them too
  ::close(epoll_fd_);
  ::close(listen_fd_);
}

void IceTcpServer::process() {
  std::array<epoll_event, 64> events{};
  const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 0);
  for (int i = 0; i < n; ++i) {
    const int fd = events[static_cast<size_t>(i)].data.fd;
    if (fd == listen_fd_) {
      accept();
    } else {
      read(fd);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < next_expiry_ || unrouted_ == 0) return;
  next_expiry_ = now + std::chrono::milliseconds(100);  // a busy UDP port calls process() often
  std::vector<int> idle;
  for (const auto& [fd, c] : connections_) {
    if (c.session.empty() && now - c.accepted > limits_.unrouted_idle) idle.push_back(fd);
  }
  for (const int fd : idle) close(fd, "tcp idle before ICE check");
}

void IceTcpServer::accept() {
  for (;;) {
    PeerAddress from;
    from.length = sizeof from.storage;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from.storage), &from.length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error on a connection that went away
    if (unrouted_ >= limits_.max_unrouted || connections_.size() >= limits_.max_connections) {
      ::close(fd);
      on_drop_("tcp connection limit");
      continue;
    }
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      ::close(fd);
      continue;
    }
    from.tcp = std::make_shared<IceTcpStream>(fd);
    Connection& c = connections_[fd];
    c.address = std::move(from);
    c.accepted = std::chrono::steady_clock::now();
    ++unrouted_;
  }
}

void IceTcpServer::read(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = it->second;
  std::array<uint8_t, 16384> buffer{};
  for (int round = 0; round < 16; ++round) {  // bounded work per wake-up; the rest waits for the next one
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n == 0) return close(fd, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return close(fd, nullptr);
    }
    const bool was_unrouted = c.session.empty();
    bool stop = false;
    const bool ok = c.framer.feed(std::span(buffer.data(), static_cast<size_t>(n)), [&](std::span<const uint8_t> f) {
      stop = !on_frame_(c.address, c.session, f);
      return !stop;
    });
    if (was_unrouted && !c.session.empty()) --unrouted_;
    if (!ok) return close(fd, stop ? "tcp frame refused" : "tcp frame length");
    if (static_cast<size_t>(n) < buffer.size()) return;
  }
}

void IceTcpServer::close(int fd, const char* why) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  if (why) on_drop_(why);
  if (it->second.session.empty()) --unrouted_;
  (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  it->second.address.tcp->shutdown();  // the socket closes with the last reference (a worker may hold one)
  connections_.erase(it);
}

}  // namespace airclass::media::webrtc
