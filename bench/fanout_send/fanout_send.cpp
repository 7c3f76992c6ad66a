// Micro-benchmark of the fan-out's per-viewer send path: copy a shared 1200-byte RTP packet, rewrite its header,
// SRTP-protect it (AEAD_AES_128_GCM or AES_CM_128_HMAC_SHA1_80) and send it in sendmmsg batches of 64 to a
// loopback UDP socket, one datagram per message or, as the fan-out does with UDP GSO, runs of `run` equal-sized
// datagrams (one viewer's frame) per message with a UDP_SEGMENT size. Prints ns per packet for protect alone,
// protect + send, and protect + send with GSO: the thread's CPU time (user + system, so the loopback delivery
// done in the send call counts), best of 5 interleaved rounds, which keeps a busy shared machine's noise out.
//   build-x/bench/fanout_send [packets=200000] [run=4]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <algorithm>
#include <ctime>
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

// gso_run 0: one datagram per message; otherwise up to gso_run datagrams per message (UDP_SEGMENT).
double run(SrtpProfile profile, size_t packets, bool send, size_t gso_run, int fd, const sockaddr_in& to) {
  std::vector<uint8_t> key(16, 7), salt(SrtpContext::masterSaltSize(profile), 9);
  SrtpContext srtp(profile, key, salt);
  std::vector<uint8_t> shared(kPacket, 0x5A);
  shared[0] = 0x80;
  std::vector<std::array<uint8_t, 1600>> slots(kBatch);
  std::array<mmsghdr, kBatch> messages{};
  std::array<iovec, kBatch> iov{};
  std::array<std::array<uint64_t, 4>, kBatch> controls{};
  timespec start{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  size_t queued = 0;
  size_t count = 0;  // messages
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
    if (gso_run > 1 && queued % gso_run != 0) {
      msghdr& h = messages[count - 1].msg_hdr;
      if (++h.msg_iovlen == 2) {
        h.msg_control = controls[count - 1].data();
        h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const auto segment = static_cast<uint16_t>(length);
        std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
      }
    } else {
      messages[count] = {};
      messages[count].msg_hdr.msg_name = const_cast<sockaddr_in*>(&to);
      messages[count].msg_hdr.msg_namelen = sizeof to;
      messages[count].msg_hdr.msg_iov = &iov[queued];
      messages[count].msg_hdr.msg_iovlen = 1;
      ++count;
    }
    if (++queued == kBatch) {
      if (send && ::sendmmsg(fd, messages.data(), static_cast<unsigned>(count), 0) < 0) {
        std::perror("sendmmsg");
        std::exit(1);
      }
      queued = 0;
      count = 0;
    }
  }
  timespec end{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double ns = static_cast<double>(end.tv_sec - start.tv_sec) * 1e9 + static_cast<double>(end.tv_nsec - start.tv_nsec);
  return ns / static_cast<double>(packets);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t packets = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  const size_t gso_run = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4;
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
    double protect = 1e18, both = 1e18, gso = 1e18;
    for (int round = 0; round < 5; ++round) {
      protect = std::min(protect, run(profile, packets, false, 0, fd, to));
      both = std::min(both, run(profile, packets, true, 0, fd, to));
      gso = std::min(gso, run(profile, packets, true, gso_run, fd, to));
    }
    std::printf("%-24s copy+rewrite+protect %6.0f ns/packet   + sendmmsg(64) %6.0f ns/packet   -> %6.0f packets/s/core"
                "   + GSO runs of %zu %6.0f ns/packet -> %6.0f packets/s/core\n",
                name, protect, both, 1e9 / both, gso_run, gso, 1e9 / gso);
  }
  ::close(fd);
  ::close(sink);
  return 0;
}
