// Demultiplexes one UDP/TCP-framed datagram on the shared ICE port by its first byte (RFC 7983, RFC 5761).
// Pure function; any thread.
#pragma once
#include <cstdint>
#include <span>

namespace airclass::media::webrtc {

enum class PacketKind { Stun, Dtls, Rtp, Rtcp, Unknown };

// STUN 0..3, DTLS 20..63, RTP/RTCP 128..191 (RTCP when the packet type is 192..223, RFC 5761 4).
PacketKind classifyPacket(std::span<const uint8_t> datagram);

}  // namespace airclass::media::webrtc
