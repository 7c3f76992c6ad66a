// One accepted ICE-TCP connection (RFC 6544 passive) of the fan-out, as the sending side sees it: frames each
// packet (RFC 4571) and writes it without blocking; what the kernel does not take waits in a bounded buffer,
// and a packet that does not fit is dropped (a viewer that cannot keep up loses packets, the worker never
// waits). Owns the socket. Any thread (the receive thread answers ICE checks, the viewer's worker sends media).
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace airclass::media::webrtc {

class IceTcpStream {
 public:
  static constexpr size_t kMaxPending = 256 * 1024;

  explicit IceTcpStream(int fd) : fd_(fd) {}
  ~IceTcpStream();
  IceTcpStream(const IceTcpStream&) = delete;
  IceTcpStream& operator=(const IceTcpStream&) = delete;

  int fd() const { return fd_; }
  // Frames and sends one packet. False when it was dropped (buffer full, closed, or too long to frame).
  bool send(std::span<const uint8_t> packet);
  // Writes what is buffered, as far as the kernel takes it.
  void flush();
  // Shuts the connection down both ways; the receive thread then sees its end and forgets it.
  void shutdown();
  size_t pending() const;

 private:
  bool writePending();  // with mutex_ held; false on a broken connection

  int fd_;
  mutable std::mutex mutex_;
  std::vector<uint8_t> pending_;
  bool broken_ = false;
};

}  // namespace airclass::media::webrtc
