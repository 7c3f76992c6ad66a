// The load client's side of offer/answer: the recvonly offer a WHEP viewer sends (H.264, optionally Opus), the
// answer to an offer from a server that offers first (Janus's streaming plugin), and the few remote parameters a
// viewer needs from the other side's SDP. Pure; any thread.
#pragma once
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace airclass::bench {

struct LocalDescription {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint;  // sha-256 of our DTLS certificate
  std::string address;      // our UDP socket's address and port (a host candidate)
  uint16_t port = 0;
  bool audio = false;       // also receive Opus (WHEP offer)
};

struct RemoteDescription {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint;
  sockaddr_in candidate{};  // an IPv4 UDP candidate, loopback preferred
  bool ice_lite = false;
};

// a=setup:active: the viewer is the DTLS client.
std::string makeRecvOnlyOffer(const LocalDescription& local);
// Accepts the first H.264 (and, with local.audio, Opus) payload type of each offered section, rejects the rest.
// Throws std::runtime_error when the offer has no H.264 video.
std::string makeRecvOnlyAnswer(std::string_view offer, const LocalDescription& local);
// Throws std::runtime_error when ICE credentials, fingerprint or an IPv4 UDP candidate are missing.
RemoteDescription parseRemoteDescription(std::string_view sdp);

}  // namespace airclass::bench
