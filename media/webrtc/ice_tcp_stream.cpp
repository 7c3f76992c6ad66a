#include "media/webrtc/ice_tcp_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace airclass::media::webrtc {

IceTcpStream::~IceTcpStream() { ::close(fd_); }

bool IceTcpStream::writePending() {
  size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::send(fd_, pending_.data() + done, pending_.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    broken_ = true;
    pending_.clear();
    return false;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
  return true;
}

bool IceTcpStream::send(std::span<const uint8_t> packet) {
  if (packet.empty() || packet.size() > 0xFFFF) return false;
  std::lock_guard lock(mutex_);
  if (broken_ || pending_.size() + packet.size() + 2 > kMaxPending) return false;
  pending_.push_back(static_cast<uint8_t>(packet.size() >> 8));
  pending_.push_back(static_cast<uint8_t>(packet.size() & 0xFF));
  pending_.insert(pending_.end(), packet.begin(), packet.end());
  return writePending();  // whole frames only are ever dropped, so the framing never breaks
}

void IceTcpStream::flush() {
  std::lock_guard lock(mutex_);
  if (!pending_.empty() && !broken_) (void)writePending();
}

void IceTcpStream::shutdown() { (void)::shutdown(fd_, SHUT_RDWR); }

size_t IceTcpStream::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace airclass::media::webrtc
