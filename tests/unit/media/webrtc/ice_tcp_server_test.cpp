// The ICE-TCP listener's bounds on real loopback sockets: unrouted connections are limited in number and idle
// time, a routed one stays; frames reach the handler with the connection's routing.
#include "media/webrtc/ice_tcp_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "media/webrtc/ice_tcp_stream.hpp"

namespace airclass::media::webrtc {
namespace {

using namespace std::chrono_literals;

int connectTo(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// True when the server closed `fd` (EOF or reset) within `wait`, processing the server meanwhile.
bool closedByServer(int fd, IceTcpServer& server, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    server.process();
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      uint8_t b[64];
      if (::recv(fd, b, sizeof b, MSG_DONTWAIT) <= 0) return true;
    }
  }
  return false;
}

TEST(IceTcpServer, BoundsUnroutedConnectionsAndKeepsRoutedOnes) {
  IceTcpServer::Limits limits;
  limits.max_unrouted = 2;
  limits.unrouted_idle = 300ms;
  limits.max_connections = 3;
  std::vector<std::string> frames;
  int drops = 0;
  IceTcpServer server(
      0, /*ipv6=*/false, limits,
      [&](const PeerAddress& from, std::string& session, std::span<const uint8_t> frame) {
        frames.emplace_back(frame.begin(), frame.end());
        if (frames.back() == "hello") session = "viewer";
        if (session == "viewer") (void)from.tcp->send(frame);  // echo, framed
        return !session.empty();
      },
      [&](const char*) { ++drops; });
  const int routed = connectTo(server.port());
  const uint8_t hello[] = {0, 5, 'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(::send(routed, hello, sizeof hello, 0), 7);
  const int idle = connectTo(server.port());
  for (int i = 0; i < 100 && (server.connections() < 2 || frames.empty()); ++i) {
    server.process();
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(frames.size(), 1u);
  uint8_t echo[7] = {};
  ASSERT_EQ(::recv(routed, echo, sizeof echo, MSG_WAITALL), 7);
  EXPECT_EQ(std::memcmp(echo, hello, 7), 0);

  const int second_idle = connectTo(server.port());
  const int over = connectTo(server.port());  // a third unrouted one: over both limits, closed at once
  EXPECT_TRUE(closedByServer(over, server, 1000ms));
  EXPECT_TRUE(closedByServer(idle, server, 2000ms));  // idle past 300 ms without an ICE check
  EXPECT_TRUE(closedByServer(second_idle, server, 2000ms));
  EXPECT_FALSE(closedByServer(routed, server, 100ms));
  const int bad = connectTo(server.port());
  const uint8_t refused[] = {0, 2, 'n', 'o'};
  ASSERT_EQ(::send(bad, refused, sizeof refused, 0), 4);
  EXPECT_TRUE(closedByServer(bad, server, 1000ms));
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_GE(drops, 4);
  for (const int fd : {routed, idle, second_idle, over, bad}) ::close(fd);
}

}  // namespace
}  // namespace airclass::media::webrtc
