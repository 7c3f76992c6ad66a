#include "bench/webrtc_load/viewer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "media/webrtc/byte_order.hpp"
#include "media/webrtc/packet_demux.hpp"
#include "media/webrtc/stun_message.hpp"

namespace airclass::bench {
namespace {

using media::webrtc::DtlsInput;
using media::webrtc::DtlsRole;
using media::webrtc::DtlsState;
using media::webrtc::DtlsTransport;
using media::webrtc::PacketKind;
using media::webrtc::SrtpContext;
using media::webrtc::SrtpStatus;
using media::webrtc::StunClass;
using media::webrtc::StunMessage;

constexpr int64_t kCheckIntervalMs = 100;      // connectivity checks until one succeeds
constexpr int64_t kConsentIntervalMs = 2500;   // RFC 7675 consent, jittered below
constexpr int64_t kConnectTimeoutMs = 20000;   // ICE + DTLS
constexpr int64_t kReportIntervalMs = 1000;    // receiver reports
constexpr size_t kMaxStreams = 4;
constexpr int kReceiveBuffer = 256 * 1024;

std::string randomToken(std::mt19937_64& random, size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out(length, 'a');
  for (auto& c : out) c = kAlphabet[random() % 64];
  return out;
}

}  // namespace

Viewer::Viewer(uint32_t index, const media::webrtc::DtlsCertificate& certificate, const sockaddr_in& bind,
               unsigned verify_every, std::mt19937_64& random)
    : index_(index), certificate_(certificate), verify_every_(verify_every == 0 ? 1 : verify_every),
      random_(random) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("viewer socket: ") + std::strerror(errno));
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&bind), sizeof bind) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("viewer bind: " + why);
  }
  socklen_t length = sizeof local_addr_;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&local_addr_), &length);
  ufrag_ = randomToken(random_, 8);
  pwd_ = randomToken(random_, 24);
  tie_breaker_ = random_();
  rtcp_ssrc_ = static_cast<uint32_t>(random_());
}

Viewer::~Viewer() {
  if (fd_ >= 0) ::close(fd_);
}

LocalDescription Viewer::local(bool audio) const {
  LocalDescription d;
  d.ice_ufrag = ufrag_;
  d.ice_pwd = pwd_;
  d.fingerprint = certificate_.fingerprint();
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &local_addr_.sin_addr, text, sizeof text);
  d.address = text;
  d.port = ntohs(local_addr_.sin_port);
  d.audio = audio;
  return d;
}

void Viewer::start(SignaledSession session, bool controlling, int64_t now_ms) {
  session_ = std::move(session);
  controlling_ = controlling || session_.remote.ice_lite;
  state_ = State::Checking;
  started_ms_ = now_ms;
  next_check_ms_ = now_ms;
  onTick(now_ms);
}

void Viewer::send(std::span<const uint8_t> datagram) {
  const auto& to = session_.remote.candidate;
  ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void Viewer::sendCheck() {
  StunMessage request;
  request.method = StunMessage::kBindingMethod;
  request.message_class = StunClass::Request;
  for (auto& b : request.transaction_id) b = static_cast<uint8_t>(random_());
  request.username = session_.remote.ice_ufrag + ":" + ufrag_;
  request.priority = 0x6E7F1EFF;  // peer-reflexive, RFC 8445 5.1.2
  if (controlling_) {
    request.ice_controlling = tie_breaker_;
    request.use_candidate = true;
  } else {
    request.ice_controlled = tie_breaker_;
  }
  send(request.serialize(session_.remote.ice_pwd, true));
}

void Viewer::onTick(int64_t now_ms) {
  if (state_ == State::Idle || state_ == State::Failed || state_ == State::Closed) return;
  if (state_ != State::Connected && now_ms - started_ms_ > kConnectTimeoutMs) {
    fail(ice_ok_ ? "dtls timeout" : "ice timeout");
    return;
  }
  if (now_ms >= next_check_ms_) {
    sendCheck();
    next_check_ms_ = now_ms + (ice_ok_ ? kConsentIntervalMs - 500 + static_cast<int64_t>(random_() % 1000)
                                       : kCheckIntervalMs);
  }
  if (dtls_ && state_ == State::Handshaking) {
    const auto due = dtls_->timeout();
    if (due && due->count() <= 0) {
      dtls_->handleTimeout();
      flushDtls();
    }
  }
  if (state_ == State::Connected && now_ms >= next_rr_ms_ && !streams_.empty()) {
    sendReceiverReport();
    next_rr_ms_ = now_ms + kReportIntervalMs;
  }
}

void Viewer::onReadable(RxBatch& batch, int64_t now_ms) {
  for (size_t i = 0; i < RxBatch::kPackets; ++i) {
    batch.iov[i] = {batch.buffers[i].data(), RxBatch::kSize};
    batch.headers[i].msg_hdr = {};
    batch.headers[i].msg_hdr.msg_iov = &batch.iov[i];
    batch.headers[i].msg_hdr.msg_iovlen = 1;
    batch.headers[i].msg_hdr.msg_name = &batch.sources[i];
    batch.headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  }
  const int n = ::recvmmsg(fd_, batch.headers.data(), RxBatch::kPackets, MSG_DONTWAIT, nullptr);
  for (int i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    const std::span<uint8_t> datagram(batch.buffers[k].data(), batch.headers[k].msg_len);
    switch (media::webrtc::classifyPacket(datagram)) {
      case PacketKind::Rtp:
        handleRtp(datagram);
        break;
      case PacketKind::Stun:
        handleStun(datagram, batch.sources[k], now_ms);
        break;
      case PacketKind::Dtls:
        handleDtls(datagram, now_ms);
        break;
      case PacketKind::Rtcp:  // sender reports: not needed for counting
      case PacketKind::Unknown:
        break;
    }
  }
}

void Viewer::handleStun(std::span<const uint8_t> datagram, const sockaddr_in& from, int64_t now_ms) {
  const auto parsed = StunMessage::parse(datagram);
  if (!parsed || parsed->method != StunMessage::kBindingMethod) return;
  const StunMessage& m = *parsed;
  if (m.message_class == StunClass::Request) {
    if (!m.isIceCheckFor(ufrag_, pwd_)) return;
    media::webrtc::StunAddress source;
    std::memcpy(source.ip.data(), &from.sin_addr, 4);
    source.port = ntohs(from.sin_port);
    send(StunMessage::bindingSuccess(m, source).serialize(pwd_, true));
    if (m.ice_controlled && !controlling_) controlling_ = true;  // the server wants us to nominate
    if (m.use_candidate && !ice_ok_) {
      ice_ok_ = true;
      startDtls();
    }
    return;
  }
  if (m.message_class == StunClass::ErrorResponse && m.error_code && m.error_code->code == 487) {
    controlling_ = !controlling_;  // role conflict: switch and retry
    next_check_ms_ = now_ms;
    return;
  }
  if (m.message_class != StunClass::SuccessResponse || !m.verifyIntegrity(session_.remote.ice_pwd)) return;
  if (!ice_ok_) {
    ice_ok_ = true;
    next_check_ms_ = now_ms + kConsentIntervalMs;
    startDtls();
  }
}

void Viewer::startDtls() {
  if (dtls_) return;
  state_ = State::Handshaking;
  dtls_ = std::make_unique<DtlsTransport>(certificate_, DtlsRole::Client, session_.remote.fingerprint);
  dtls_->start();
  flushDtls();
}

void Viewer::flushDtls() {
  for (const auto& datagram : dtls_->takeOutgoing()) send(datagram);
}

void Viewer::handleDtls(std::span<const uint8_t> datagram, int64_t now_ms) {
  if (!dtls_) return;
  const DtlsInput result = dtls_->handleDatagram(datagram);
  flushDtls();
  if (result == DtlsInput::Failed || dtls_->state() == DtlsState::Failed) {
    fail("dtls: " + dtls_->failure());
    return;
  }
  if (dtls_->state() == DtlsState::Closed && state_ == State::Connected) {
    fail("dtls: closed by the server");
    return;
  }
  if (state_ == State::Handshaking && dtls_->state() == DtlsState::Connected) {
    receive_.emplace(dtls_->makeReceiveContext());
    send_.emplace(dtls_->makeSendContext());
    state_ = State::Connected;
    connected_ms_ = now_ms;
    next_rr_ms_ = now_ms + kReportIntervalMs;
  }
}

void Viewer::handleRtp(std::span<uint8_t> datagram) {
  if (state_ != State::Connected || datagram.size() < 12) return;
  const uint16_t seq = media::webrtc::loadU16(datagram.data() + 2);
  const uint32_t ssrc = media::webrtc::loadU32(datagram.data() + 8);
  const size_t size = datagram.size();
  if (++rtp_seen_ % verify_every_ == 0) {
    size_t length = size;
    if (receive_->unprotectRtp(datagram, length) != SrtpStatus::Ok) {
      ++totals_.auth_failures;
      return;
    }
  }
  Stream* stream = nullptr;
  for (auto& s : streams_) {
    if (s.ssrc == ssrc) stream = &s;
  }
  if (!stream) {
    if (streams_.size() >= kMaxStreams) return;
    streams_.push_back(Stream{ssrc, seq, seq, 0, 0, 0});
    stream = &streams_.back();
  } else {
    const auto delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(stream->highest)));
    if (delta > 0) stream->highest += delta;
  }
  ++stream->received;
  ++totals_.packets;
  totals_.bytes += size;
}

Viewer::Totals Viewer::totals() const {
  Totals t = totals_;
  for (const auto& s : streams_) t.expected += static_cast<uint64_t>(s.highest - s.first + 1);
  return t;
}

void Viewer::sendReceiverReport() {
  // RFC 3550 6.4.2: one report block per stream we receive (reduced size is allowed, RFC 5506).
  std::array<uint8_t, 8 + 24 * kMaxStreams + SrtpContext::kMaxOverhead> packet{};
  const size_t blocks = streams_.size();
  size_t length = 8 + 24 * blocks;
  packet[0] = static_cast<uint8_t>(0x80 | blocks);
  packet[1] = 201;
  media::webrtc::storeU16(packet.data() + 2, static_cast<uint16_t>(length / 4 - 1));
  media::webrtc::storeU32(packet.data() + 4, rtcp_ssrc_);
  uint8_t* block = packet.data() + 8;
  for (auto& s : streams_) {
    const auto expected = static_cast<uint64_t>(s.highest - s.first + 1);
    const uint64_t interval_expected = expected - s.rr_expected;
    const uint64_t interval_received = s.received - s.rr_received;
    const uint64_t interval_lost = interval_expected > interval_received ? interval_expected - interval_received : 0;
    const int64_t cumulative = static_cast<int64_t>(expected) - static_cast<int64_t>(s.received);
    s.rr_expected = expected;
    s.rr_received = s.received;
    media::webrtc::storeU32(block, s.ssrc);
    block[4] = static_cast<uint8_t>(interval_expected ? (interval_lost << 8) / interval_expected : 0);
    const auto lost24 = static_cast<uint32_t>(std::min<int64_t>(std::max<int64_t>(cumulative, 0), 0x7FFFFF));
    block[5] = static_cast<uint8_t>(lost24 >> 16);
    block[6] = static_cast<uint8_t>(lost24 >> 8);
    block[7] = static_cast<uint8_t>(lost24);
    media::webrtc::storeU32(block + 8, static_cast<uint32_t>(s.highest));
    block += 24;  // jitter, LSR, DLSR: 0
  }
  if (send_->protectRtcp(packet, length) == SrtpStatus::Ok) send(std::span(packet.data(), length));
}

void Viewer::close() {
  if (dtls_ && state_ == State::Connected) {
    dtls_->close();
    flushDtls();
  }
  if (state_ != State::Failed) state_ = State::Closed;
}

void Viewer::fail(std::string why) {
  state_ = State::Failed;
  failure_ = "viewer " + std::to_string(index_) + ": " + std::move(why);
}

}  // namespace airclass::bench
