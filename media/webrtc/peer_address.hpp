// A viewer's transport address on the fan-out port: the UDP source address as the kernel gives it, or the
// accepted ICE-TCP stream (RFC 6544) its packets are framed on. A plain value; any thread.
#pragma once
#include <sys/socket.h>

#include <memory>

namespace airclass::media::webrtc {

class IceTcpStream;

struct PeerAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::shared_ptr<IceTcpStream> tcp;  // set: send framed on this stream instead of UDP to `storage`
};

}  // namespace airclass::media::webrtc
