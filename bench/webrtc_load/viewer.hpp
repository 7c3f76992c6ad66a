// One simulated WebRTC viewer at the packet level: its own UDP socket, ICE credentials and checks (USE-CANDIDATE
// when controlling, answers to the server's checks, consent every ~2.5 s), the DTLS client handshake, SRTP
// unprotect, per-SSRC packet/loss counting from sequence numbers, and SRTCP receiver reports once a second.
// Only the load client's thread calls it.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench/webrtc_load/signaling.hpp"
#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/srtp_context.hpp"

namespace airclass::bench {

// Receive buffers shared by every viewer (one thread): one recvmmsg() batch.
struct RxBatch {
  static constexpr size_t kPackets = 16;
  static constexpr size_t kSize = 2048;
  std::array<std::array<uint8_t, kSize>, kPackets> buffers{};
  std::array<sockaddr_in, kPackets> sources{};
  std::array<iovec, kPackets> iov{};
  std::array<mmsghdr, kPackets> headers{};
};

class Viewer {
 public:
  enum class State { Idle, Checking, Handshaking, Connected, Failed, Closed };

  struct Totals {  // since the viewer started
    uint64_t packets = 0;        // RTP packets counted (authenticated when sampled)
    uint64_t bytes = 0;          // their SRTP size
    uint64_t expected = 0;       // from sequence numbers, over every SSRC
    uint64_t auth_failures = 0;  // sampled packets that failed SRTP unprotect
  };

  // Binds a UDP socket to `bind` (port 0: the kernel picks). `verify_every` = N: unprotect every Nth RTP packet
  // (1 = all); the rest are counted from their clear header. Throws std::runtime_error when the socket fails.
  Viewer(uint32_t index, const media::webrtc::DtlsCertificate& certificate, const sockaddr_in& bind,
         unsigned verify_every, std::mt19937_64& random);
  ~Viewer();
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  int fd() const { return fd_; }
  LocalDescription local(bool audio) const;
  // `controlling`: we nominate (the server is ICE-lite); otherwise the server does, and we switch roles if it
  // says it is controlled.
  void start(SignaledSession session, bool controlling, int64_t now_ms);
  void onReadable(RxBatch& batch, int64_t now_ms);
  void onTick(int64_t now_ms);
  // DTLS close_notify when connected.
  void close();

  State state() const { return state_; }
  const std::string& sessionId() const { return session_.id; }
  const std::string& failure() const { return failure_; }
  Totals totals() const;
  int64_t connectMs() const { return connected_ms_ - started_ms_; }  // valid when Connected
  int64_t nextKeepaliveMs = 0;  // the load client's bookkeeping for signaling keep-alives

 private:
  struct Stream {
    uint32_t ssrc = 0;
    int64_t first = 0;
    int64_t highest = 0;  // extended sequence number
    uint64_t received = 0;
    uint64_t rr_expected = 0;  // at the last receiver report
    uint64_t rr_received = 0;
  };
  void handleStun(std::span<const uint8_t> datagram, const sockaddr_in& from, int64_t now_ms);
  void handleDtls(std::span<const uint8_t> datagram, int64_t now_ms);
  void handleRtp(std::span<uint8_t> datagram);
  void sendCheck();
  void sendReceiverReport();
  void startDtls();
  void flushDtls();
  void fail(std::string why);
  void send(std::span<const uint8_t> datagram);

  uint32_t index_;
  const media::webrtc::DtlsCertificate& certificate_;
  unsigned verify_every_;
  std::mt19937_64& random_;
  int fd_ = -1;
  sockaddr_in local_addr_{};
  std::string ufrag_;
  std::string pwd_;
  uint64_t tie_breaker_ = 0;
  uint32_t rtcp_ssrc_ = 0;
  SignaledSession session_;
  bool controlling_ = false;
  bool ice_ok_ = false;
  State state_ = State::Idle;
  std::string failure_;
  std::unique_ptr<media::webrtc::DtlsTransport> dtls_;
  std::optional<media::webrtc::SrtpContext> receive_;
  std::optional<media::webrtc::SrtpContext> send_;
  int64_t started_ms_ = 0;
  int64_t connected_ms_ = 0;
  int64_t next_check_ms_ = 0;
  int64_t next_rr_ms_ = 0;
  uint64_t rtp_seen_ = 0;
  std::vector<Stream> streams_;
  Totals totals_;
};

}  // namespace airclass::bench
