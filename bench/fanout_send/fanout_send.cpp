// Micro-benchmark of the fan-out's per-viewer send path: copy a shared 1200-byte RTP packet, rewrite its header,
// SRTP-protect it (AEAD_AES_128_GCM or AES_CM_128_HMAC_SHA1_80) and send it in sendmmsg batches of 64 to a
// loopback UDP socket. Prints ns per packet for protect alone and for protect + send.
//   build-x/bench/fanout_send [packets=200000]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "media/webrtc/byte_order.hpp"
#include "media/webrtc/srtp_context.hpp"

using namespace airclass::media::webrtc;

namespace {

constexpr size_t kBatch = 64;
constexpr size_t kPacket = 1200;

double run(SrtpProfile profile, size_t packets, bool send, int fd, const sockaddr_in& to) {
  std::vector<uint8_t> key(16, 7), salt(SrtpContext::masterSaltSize(profile), 9);
  SrtpContext srtp(profile, key, salt);
  std::vector<uint8_t> shared(kPacket, 0x5A);
  shared[0] = 0x80;
  std::vector<std::array<uint8_t, 1600>> slots(kBatch);
  std::array<mmsghdr, kBatch> messages{};
  std::array<iovec, kBatch> iov{};
  const auto start = std::chrono::steady_clock::now();
  size_t queued = 0;
  for (size_t i = 0; i < packets; ++i) {
    uint8_t* p = slots[queued].data();
    std::memcpy(p, shared.data(), kPacket);
    p[1] = 96;
    storeU16(p + 2, static_cast<uint16_t>(i));
    storeU32(p + 4, static_cast<uint32_t>(i / 10 * 3000));
    storeU32(p + 8, 0x1234);
    size_t length = kPacket;
    if (srtp.protectRtp(slots[queued], length) != SrtpStatus::Ok) std::abort();
    iov[queued] = {p, length};
    messages[queued] = {};
    messages[queued].msg_hdr.msg_name = const_cast<sockaddr_in*>(&to);
    messages[queued].msg_hdr.msg_namelen = sizeof to;
    messages[queued].msg_hdr.msg_iov = &iov[queued];
    messages[queued].msg_hdr.msg_iovlen = 1;
    if (++queued == kBatch) {
      if (send) (void)::sendmmsg(fd, messages.data(), kBatch, 0);
      queued = 0;
    }
  }
  const auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return ns / static_cast<double>(packets);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t packets = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  const int sink = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(sink, reinterpret_cast<sockaddr*>(&to), sizeof to);
  socklen_t length = sizeof to;
  ::getsockname(sink, reinterpret_cast<sockaddr*>(&to), &length);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  for (auto profile : {SrtpProfile::AeadAes128Gcm, SrtpProfile::AesCm128HmacSha1_80}) {
    const char* name = profile == SrtpProfile::AeadAes128Gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
    const double protect = run(profile, packets, false, fd, to);
    const double both = run(profile, packets, true, fd, to);
    std::printf("%-24s copy+rewrite+protect %6.0f ns/packet   + sendmmsg(64) %6.0f ns/packet   -> %6.0f packets/s/core\n",
                name, protect, both, 1e9 / both);
  }
  ::close(fd);
  ::close(sink);
  return 0;
}
