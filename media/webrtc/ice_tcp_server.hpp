// The ICE-TCP side of the fan-out port (RFC 6544, passive): listens on the UDP port's number, accepts
// connections, reads RFC 4571 frames and hands each to a handler that routes it by the STUN USERNAME of the
// connection's first binding request. Bounds: frame size, unrouted connections (count and idle time) and all
// connections. Owned by the fan-out; process() and the handler run on its receive thread, stop() on the owner.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "media/webrtc/ice_tcp_framer.hpp"
#include "media/webrtc/peer_address.hpp"

namespace airclass::media::webrtc {

class IceTcpServer {
 public:
  struct Limits {
    size_t max_unrouted = 64;                           // connections that have not passed an ICE check yet
    std::chrono::milliseconds unrouted_idle{5000};      // ... and how long one may wait for it
    size_t max_connections = 1024;
  };
  // One frame of a connection. `session` is empty until the handler routes the connection by setting it.
  // Returns false to close the connection.
  using FrameHandler =
      std::function<bool(const PeerAddress& from, std::string& session, std::span<const uint8_t> frame)>;
  // Told about a refused or closed-for-cause connection (for the drop counter).
  using DropHandler = std::function<void(const char* what)>;

  // Binds TCP `port` on every address: dual-stack when `ipv6`, IPv4 only otherwise. Throws
  // common::Error(Unavailable) when it cannot.
  IceTcpServer(uint16_t port, bool ipv6, Limits limits, FrameHandler on_frame, DropHandler on_drop);
  ~IceTcpServer();
  IceTcpServer(const IceTcpServer&) = delete;
  IceTcpServer& operator=(const IceTcpServer&) = delete;

  // Readable when a connection or the listener has something: poll it beside the UDP socket.
  int pollFd() const { return epoll_fd_; }
  uint16_t port() const { return port_; }  // the bound one (`port` 0: kernel-chosen)
  // Accepts, reads and expires without blocking.
  void process();
  size_t connections() const { return connections_.size(); }

 private:
  struct Connection {
    PeerAddress address;  // address.tcp is the stream
    IceTcpFramer framer;
    std::string session;
    std::chrono::steady_clock::time_point accepted;
  };
  void accept();
  void read(int fd);
  void close(int fd, const char* why);

  Limits limits_;
  FrameHandler on_frame_;
  DropHandler on_drop_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  size_t unrouted_ = 0;
  std::chrono::steady_clock::time_point next_expiry_{};
  std::unordered_map<int, Connection> connections_;
};

}  // namespace airclass::media::webrtc
