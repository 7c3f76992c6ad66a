// Loopback end-to-end test of the fan-out: a client built from our own DTLS (client role), STUN and SRTP code
// joins over WHEP (the captured Chromium offer with the client's credentials), does the ICE check and the DTLS
// handshake on a real UDP socket, and receives published frames.
#include "media/webrtc/fanout.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "media/webrtc/byte_order.hpp"
#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/packet_demux.hpp"
#include "media/webrtc/rtp_header.hpp"
#include "media/webrtc/session_description.hpp"
#include "media/webrtc/stun_message.hpp"

namespace airclass::media::webrtc {
namespace {

using namespace std::chrono_literals;

std::string readVector(const std::string& name) {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Listener : FanoutListener {
  std::mutex mutex;
  std::vector<std::string> requests;
  void onKeyframeRequest(const std::string& room, const std::string& rendition) override {
    std::lock_guard lock(mutex);
    requests.push_back(room + "/" + rendition);
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return requests.size();
  }
};

std::shared_ptr<const RtpFrame> makeFrame(uint32_t ssrc, uint16_t& seq, uint32_t ts, bool key, size_t packets,
                                          uint8_t fill) {
  auto frame = std::make_shared<RtpFrame>();
  frame->keyframe = key;
  frame->pts_ns = static_cast<int64_t>(ts) * 1000000000 / 90000;
  for (size_t i = 0; i < packets; ++i) {
    auto p = std::make_shared<RtpPacket>();
    p->sequence = seq++;
    p->timestamp = ts;
    p->marker = i + 1 == packets;
    p->bytes = {0x80, static_cast<uint8_t>((p->marker ? 0x80 : 0) | 96), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    storeU16(&p->bytes[2], p->sequence);
    storeU32(&p->bytes[4], ts);
    storeU32(&p->bytes[8], ssrc);
    for (size_t b = 0; b < 1000; ++b) p->bytes.push_back(static_cast<uint8_t>(fill + b + i));
    frame->packets.push_back(p);
  }
  return frame;
}

// A WHEP viewer made of our own parts, over UDP or ICE-TCP (RFC 4571 framing on one connection).
class Client {
 public:
  explicit Client(Fanout& fanout, bool tcp = false) : fanout_(fanout), dtls_(cert_, ""), tcp_(tcp) {
    server_.sin_family = AF_INET;
    server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_.sin_port = htons(static_cast<uint16_t>(fanout.port()));
    fd_ = ::socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (tcp) {
      EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&server_), sizeof server_), 0);
      return;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  ~Client() { ::close(fd_); }

  // The captured Chromium offer with this client's ICE credentials and certificate fingerprint.
  std::string offer() const {
    std::istringstream in(readVector("chromium_whep_offer.sdp"));
    std::string out;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("a=ice-ufrag:")) line = "a=ice-ufrag:" + ufrag_ + "\r";
      if (line.starts_with("a=ice-pwd:")) line = "a=ice-pwd:" + pwd_ + "\r";
      if (line.starts_with("a=fingerprint:sha-256 ")) line = "a=fingerprint:sha-256 " + cert_.fingerprint() + "\r";
      out += line + "\n";
    }
    return out;
  }

  void join(const std::string& room) {
    session_ = fanout_.addViewer({room, "student-1", offer(), ""});
    auto answer = SessionDescription::parse(session_.answer_sdp);
    ASSERT_TRUE(answer.ok());
    const SdpMedia& video = answer->media.at(0);
    ASSERT_EQ(video.kind, "video");
    server_ufrag_ = video.ice_ufrag;
    server_pwd_ = video.ice_pwd;
    video_pt_ = video.codecs.at(0).payload_type;
    rtx_pt_ = video.codecs.size() > 1 ? video.codecs.at(1).payload_type : -1;
    video_ssrc_ = video.ssrcs.at(0).ssrc;
    dtls_ = DtlsTransportHolder(cert_, answer->media.at(0).fingerprint);
  }

  std::vector<uint8_t> iceCheck(const std::string& pwd, bool nominate = true) const {
    StunMessage m;
    m.transaction_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    m.username = server_ufrag_ + ":" + ufrag_;
    m.priority = 1845501695;
    m.ice_controlling = 42;
    m.use_candidate = nominate;
    return m.serialize(pwd, true);
  }
  // A valid check of this viewer, to send from another candidate of the same browser.
  std::vector<uint8_t> validCheck(bool nominate) const { return iceCheck(server_pwd_, nominate); }
  const sockaddr_in& serverAddress() const { return server_; }

  bool checkIce() {
    send(iceCheck(server_pwd_));
    auto reply = receive(2000ms);
    if (!reply) return false;
    auto m = StunMessage::parse(*reply);
    // An IPv4 viewer is told its IPv4 address, also when the server's socket is dual-stack.
    return m.ok() && m->message_class == StunClass::SuccessResponse && m->verifyIntegrity(server_pwd_) &&
           m->xor_mapped_address.has_value() && !m->xor_mapped_address->ipv6 &&
           m->xor_mapped_address->ip[0] == 127;
  }

  bool handshake() {
    dtls_.get().start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline && dtls_.get().state() == DtlsState::Handshaking) {
      for (const auto& d : dtls_.get().takeOutgoing()) send(d);
      auto in = receive(200ms);
      if (in) {
        dtls_.get().handleDatagram(*in);
      } else {
        dtls_.get().handleTimeout();
      }
    }
    if (dtls_.get().state() != DtlsState::Connected) return false;
    for (const auto& d : dtls_.get().takeOutgoing()) send(d);
    receive_ = std::make_unique<SrtpContext>(dtls_.get().makeReceiveContext());
    send_ = std::make_unique<SrtpContext>(dtls_.get().makeSendContext());
    return true;
  }

  // The next SRTP packet, unprotected (RTCP from the server, e.g. sender reports, is skipped).
  std::optional<std::vector<uint8_t>> nextRtp(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto in = receive(100ms);
      if (!in || in->size() < 12 || ((*in)[1] >= 192 && (*in)[1] <= 223)) continue;
      size_t length = in->size();
      if (receive_->unprotectRtp(*in, length) != SrtpStatus::Ok) continue;
      in->resize(length);
      return in;
    }
    return std::nullopt;
  }

  void sendRtcp(std::vector<uint8_t> rtcp, bool corrupt = false) {
    size_t length = rtcp.size();
    rtcp.resize(length + SrtpContext::kMaxOverhead);
    ASSERT_EQ(send_->protectRtcp(rtcp, length), SrtpStatus::Ok);
    rtcp.resize(length);
    if (corrupt) rtcp[length - 5] ^= 0x40;  // inside the authentication tag
    send(rtcp);
  }

  void send(std::span<const uint8_t> bytes) const {
    if (tcp_) {
      std::vector<uint8_t> framed = {static_cast<uint8_t>(bytes.size() >> 8), static_cast<uint8_t>(bytes.size())};
      framed.insert(framed.end(), bytes.begin(), bytes.end());
      sendRaw(framed);
      return;
    }
    (void)::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&server_), sizeof server_);
  }
  void sendRaw(std::span<const uint8_t> bytes) const { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  std::optional<std::vector<uint8_t>> receive(std::chrono::milliseconds wait) {
    if (tcp_) return receiveFrame(wait);
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return std::nullopt;
    std::vector<uint8_t> buffer(2048);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n <= 0) return std::nullopt;
    buffer.resize(static_cast<size_t>(n));
    return buffer;
  }

  // ICE-TCP: the next RFC 4571 frame, or nothing (also when the server closed the connection: closed()).
  std::optional<std::vector<uint8_t>> receiveFrame(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (stream_.size() >= 2) {
        const size_t length = static_cast<size_t>(stream_[0]) << 8 | stream_[1];
        if (stream_.size() >= 2 + length) {
          std::vector<uint8_t> frame(stream_.begin() + 2, stream_.begin() + 2 + static_cast<std::ptrdiff_t>(length));
          stream_.erase(stream_.begin(), stream_.begin() + 2 + static_cast<std::ptrdiff_t>(length));
          return frame;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      uint8_t buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      stream_.insert(stream_.end(), buffer, buffer + n);
    }
  }
  bool closed() const { return closed_; }

  const ViewerSession& session() const { return session_; }
  const std::string& serverPwd() const { return server_pwd_; }
  int videoPt() const { return video_pt_; }
  int rtxPt() const { return rtx_pt_; }
  uint32_t videoSsrc() const { return video_ssrc_; }

 private:
  // DtlsTransport is not movable; the fingerprint is only known after the answer.
  class DtlsTransportHolder {
   public:
    DtlsTransportHolder(const DtlsCertificate& c, const std::string& fp)
        : t_(std::make_unique<DtlsTransport>(c, DtlsRole::Client, fp)) {}
    DtlsTransport& get() { return *t_; }

   private:
    std::unique_ptr<DtlsTransport> t_;
  };

  Fanout& fanout_;
  DtlsCertificate cert_;
  DtlsTransportHolder dtls_;
  bool tcp_ = false;
  int fd_ = -1;
  sockaddr_in server_{};
  std::vector<uint8_t> stream_;
  bool closed_ = false;
  std::string ufrag_ = "cliA";
  std::string pwd_ = "clientpasswordclientpwd0";
  ViewerSession session_;
  std::string server_ufrag_, server_pwd_;
  int video_pt_ = -1, rtx_pt_ = -1;
  uint32_t video_ssrc_ = 0;
  std::unique_ptr<SrtpContext> receive_, send_;
};

// Another local candidate of the same browser: a UDP socket on another loopback address.
class OtherCandidate {
 public:
  explicit OtherCandidate(const sockaddr_in& server) : server_(server) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7F000002);  // 127.0.0.2
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  ~OtherCandidate() { ::close(fd_); }
  void send(const std::vector<uint8_t>& bytes) const {
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&server_), sizeof server_);
  }
  // Whether a datagram whose first byte says `kind` arrives within `wait`.
  bool receives(PacketKind kind, std::chrono::milliseconds wait) const {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      std::vector<uint8_t> buffer(2048);
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0 && classifyPacket(std::span(buffer.data(), static_cast<size_t>(n))) == kind) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
  sockaddr_in server_;
};

std::vector<uint8_t> pli(uint32_t media_ssrc) {
  std::vector<uint8_t> p = {0x81, 206, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0};
  storeU32(&p[8], media_ssrc);
  return p;
}

std::vector<uint8_t> nack(uint32_t media_ssrc, uint16_t seq) {
  std::vector<uint8_t> p = {0x81, 205, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0};
  storeU32(&p[8], media_ssrc);
  storeU16(&p[12], seq);
  return p;
}

class FanoutTest : public ::testing::Test {
 protected:
  FanoutTest() : guard_(boost::asio::make_work_guard(loop_)) {
    config_.webrtc.port = 0;  // kernel-chosen
    config_.webrtc.workers = 2;
    config_.webrtc.candidates = {"127.0.0.1"};
    config_.webrtc.consent_timeout_s = 2;
    config_.webrtc.max_viewers = 2;
    loop_thread_ = std::thread([this] { loop_.run(); });
    fanout_ = std::make_unique<Fanout>(loop_, config_, listener_);
    fanout_->start();
    RoomTracks tracks;
    tracks.video.push_back({"360p", 640, 360, 600000, 1111, 96, 90000});
    tracks.video.push_back({"720p", 1280, 720, 2500000, 2222, 96, 90000});
    fanout_->setRoomTracks("math", tracks);
  }
  ~FanoutTest() override {
    fanout_->stop();
    guard_.reset();
    loop_.stop();
    loop_thread_.join();
  }

  common::Config config_;
  boost::asio::io_context loop_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread loop_thread_;
  Listener listener_;
  std::unique_ptr<Fanout> fanout_;
};

TEST_F(FanoutTest, ViewerJoinsReceivesFramesAndIsServedRtcp) {
  uint16_t seq = 5000;
  auto key = makeFrame(2222, seq, 90000, true, 3, 1);
  fanout_->publish("math", "720p", key);  // cached: the viewer starts on it (fast join)
  Client client(*fanout_);
  client.join("math");
  ASSERT_TRUE(client.checkIce());
  ASSERT_TRUE(client.handshake());
  for (size_t i = 0; i < key->packets.size(); ++i) {
    auto rtp = client.nextRtp(2000ms);
    ASSERT_TRUE(rtp.has_value()) << i;
    auto h = RtpHeader::parse(*rtp);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->ssrc, client.videoSsrc());
    EXPECT_EQ(h->payload_type, client.videoPt());
    EXPECT_TRUE(std::ranges::equal(h->payload, key->packets[i]->payload()));
  }
  EXPECT_EQ(listener_.count(), 0u);  // the GOP was cached: no keyframe request for the join

  auto delta = makeFrame(2222, seq, 93000, false, 2, 50);
  fanout_->publish("math", "720p", delta);
  fanout_->publish("math", "360p", makeFrame(1111, seq, 93000, false, 1, 9));  // another rendition: not sent
  uint16_t last_seq = 0;
  for (size_t i = 0; i < delta->packets.size(); ++i) {
    auto rtp = client.nextRtp(2000ms);
    ASSERT_TRUE(rtp.has_value());
    auto h = RtpHeader::parse(*rtp);
    EXPECT_TRUE(std::ranges::equal(h->payload, delta->packets[i]->payload()));
    last_seq = h->sequence;
  }

  // Two PLIs in a row: one keyframe request upstream.
  client.sendRtcp(pli(client.videoSsrc()));
  client.sendRtcp(pli(client.videoSsrc()));
  for (int i = 0; i < 50 && listener_.count() == 0; ++i) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(listener_.count(), 1u);
  EXPECT_EQ(listener_.requests[0], "math/720p");

  // A NACK for the last packet: retransmitted (as RTX: original sequence number in front of the payload).
  client.sendRtcp(nack(client.videoSsrc(), last_seq));
  auto rtx = client.nextRtp(2000ms);
  ASSERT_TRUE(rtx.has_value());
  auto h = RtpHeader::parse(*rtx);
  ASSERT_TRUE(h.has_value());
  if (client.rtxPt() >= 0) {
    EXPECT_EQ(h->payload_type, client.rtxPt());
    EXPECT_EQ(loadU16(h->payload.data()), last_seq);
    EXPECT_TRUE(std::ranges::equal(h->payload.subspan(2), delta->packets.back()->payload()));
  } else {
    EXPECT_EQ(h->sequence, last_seq);
  }

  // Bad input from elsewhere and from the viewer itself: dropped and counted; the viewer keeps its stream.
  Client stranger(*fanout_);
  std::vector<uint8_t> forged = client.iceCheck("not-the-password-at-all!");
  stranger.send(forged);
  client.send(forged);
  client.sendRtcp(pli(client.videoSsrc()), /*corrupt=*/true);
  std::vector<uint8_t> lying = {0x81, 201, 0x40, 0, 0, 0, 0, 1};  // RR claiming 64 KiB
  client.sendRtcp(lying);
  stranger.send(std::vector<uint8_t>{0x16, 0xFE, 0xFD, 1, 2, 3});  // DTLS garbage from an unknown address
  auto after = makeFrame(2222, seq, 96000, false, 1, 77);
  fanout_->publish("math", "720p", after);
  auto rtp = client.nextRtp(2000ms);
  ASSERT_TRUE(rtp.has_value());
  EXPECT_TRUE(std::ranges::equal(RtpHeader::parse(*rtp)->payload, after->packets[0]->payload()));
  std::this_thread::sleep_for(1100ms);  // the snapshot is refreshed about once a second
  auto snap = fanout_->snapshot();
  EXPECT_GE(snap->packets_dropped, 5u);
  ASSERT_EQ(snap->viewers.size(), 1u);
  EXPECT_TRUE(snap->viewers[0].connected);
  EXPECT_EQ(snap->viewers[0].rendition, "720p");
  EXPECT_EQ(snap->viewers[0].plis, 2u);
  EXPECT_EQ(snap->viewers[0].nacks, 1u);
  EXPECT_EQ(snap->viewers[0].retransmits, 1u);
  EXPECT_EQ(listener_.count(), 1u);  // the corrupted PLI asked for nothing
  EXPECT_TRUE(fanout_->removeViewer(client.session().id));
}

TEST_F(FanoutTest, MediaGoesToTheNominatedPairOnly) {
  uint16_t seq = 100;
  fanout_->publish("math", "720p", makeFrame(2222, seq, 90000, true, 1, 1));
  Client client(*fanout_);
  client.join("math");
  ASSERT_TRUE(client.checkIce());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.nextRtp(2000ms).has_value());  // the cached keyframe
  // The browser checks another candidate pair without nominating it: answered, but media stays put.
  OtherCandidate other(client.serverAddress());
  other.send(client.validCheck(false));
  ASSERT_TRUE(other.receives(PacketKind::Stun, 2000ms));
  fanout_->publish("math", "720p", makeFrame(2222, seq, 93000, false, 1, 2));
  EXPECT_TRUE(client.nextRtp(2000ms).has_value());
  EXPECT_FALSE(other.receives(PacketKind::Rtp, 300ms));
  // Nominated there: media moves.
  other.send(client.validCheck(true));
  ASSERT_TRUE(other.receives(PacketKind::Stun, 2000ms));
  bool moved = false;  // (the check reaches the viewer's worker shortly after its answer)
  for (uint32_t ts = 96000; ts < 96000 + 40 * 3000 && !moved; ts += 3000) {
    fanout_->publish("math", "720p", makeFrame(2222, seq, ts, false, 1, 3));
    moved = other.receives(PacketKind::Rtp, 100ms);
  }
  EXPECT_TRUE(moved);
}

TEST_F(FanoutTest, ViewerOverIceTcpReceivesFramesAndBadConnectionsCloseAlone) {
  uint16_t seq = 100;
  auto key = makeFrame(2222, seq, 90000, true, 3, 5);
  fanout_->publish("math", "720p", key);
  Client client(*fanout_, /*tcp=*/true);
  client.join("math");
  const std::string passive = " 127.0.0.1 " + std::to_string(fanout_->port()) + " typ host tcptype passive";
  EXPECT_NE(client.session().answer_sdp.find(" 1 tcp "), std::string::npos);
  EXPECT_NE(client.session().answer_sdp.find(passive), std::string::npos);
  EXPECT_NE(client.session().answer_sdp.find(" 1 udp "), std::string::npos);
  ASSERT_TRUE(client.checkIce());
  ASSERT_TRUE(client.handshake());
  for (size_t i = 0; i < key->packets.size(); ++i) {
    auto rtp = client.nextRtp(2000ms);
    ASSERT_TRUE(rtp.has_value()) << i;
    EXPECT_TRUE(std::ranges::equal(RtpHeader::parse(*rtp)->payload, key->packets[i]->payload()));
  }

  // Garbage as the first frame, an oversized length, media before any ICE check, a forged check: each closes
  // only its own connection.
  Client garbage(*fanout_, true);
  garbage.send(std::vector<uint8_t>{0x16, 0xFE, 0xFD, 1, 2, 3});
  Client oversized(*fanout_, true);
  oversized.sendRaw(std::vector<uint8_t>{0xFF, 0xFF, 0, 1, 2, 3});
  Client zero(*fanout_, true);
  zero.sendRaw(std::vector<uint8_t>{0, 0});
  Client forged(*fanout_, true);
  forged.send(client.iceCheck("not-the-password-at-all!"));
  for (Client* c : {&garbage, &oversized, &zero, &forged}) {
    EXPECT_FALSE(c->receiveFrame(2000ms).has_value());
    EXPECT_TRUE(c->closed());
  }
  // The viewer's own connection carries its RTCP (a PLI) and keeps receiving.
  client.sendRtcp(pli(client.videoSsrc()));
  for (int i = 0; i < 100 && listener_.count() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(listener_.count(), 1u);
  auto delta = makeFrame(2222, seq, 93000, false, 2, 60);
  fanout_->publish("math", "720p", delta);
  for (size_t i = 0; i < delta->packets.size(); ++i) {
    auto rtp = client.nextRtp(2000ms);
    ASSERT_TRUE(rtp.has_value()) << i;
    EXPECT_TRUE(std::ranges::equal(RtpHeader::parse(*rtp)->payload, delta->packets[i]->payload()));
  }
  std::this_thread::sleep_for(1100ms);
  auto snap = fanout_->snapshot();
  EXPECT_GE(snap->packets_dropped, 4u);
  ASSERT_EQ(snap->viewers.size(), 1u);
  EXPECT_TRUE(snap->viewers[0].connected);
  EXPECT_EQ(snap->viewers[0].plis, 1u);

  // Removing the viewer closes its connection.
  EXPECT_TRUE(fanout_->removeViewer(client.session().id));
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!client.closed() && std::chrono::steady_clock::now() < deadline) (void)client.receiveFrame(100ms);
  EXPECT_TRUE(client.closed());
}

TEST_F(FanoutTest, AnIceCheckOverIpv6IsAnsweredWithTheIpv6Address) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 local{};
  local.sin6_family = AF_INET6;
  local.sin6_addr = in6addr_loopback;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    if (fd >= 0) ::close(fd);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  Client client(*fanout_);
  client.join("math");
  sockaddr_in6 server{};
  server.sin6_family = AF_INET6;
  server.sin6_addr = in6addr_loopback;
  server.sin6_port = htons(static_cast<uint16_t>(fanout_->port()));
  const auto check = client.iceCheck(client.serverPwd());
  ASSERT_EQ(::sendto(fd, check.data(), check.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof server),
            static_cast<ssize_t>(check.size()));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  std::vector<uint8_t> reply(2048);
  const ssize_t n = ::recv(fd, reply.data(), reply.size(), 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  auto m = StunMessage::parse(std::span(reply.data(), static_cast<size_t>(n)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->message_class, StunClass::SuccessResponse);
  ASSERT_TRUE(m->xor_mapped_address.has_value());
  EXPECT_TRUE(m->xor_mapped_address->ipv6);
  EXPECT_EQ(m->xor_mapped_address->ip[15], 1);  // ::1
}

TEST_F(FanoutTest, JoinWithoutCachedGopAsksForAKeyframe) {
  Client client(*fanout_);
  client.join("math");
  ASSERT_TRUE(client.checkIce());
  ASSERT_TRUE(client.handshake());
  for (int i = 0; i < 100 && listener_.count() == 0; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(listener_.count(), 1u);
  EXPECT_EQ(listener_.requests[0], "math/720p");
  uint16_t seq = 1;
  fanout_->publish("math", "720p", makeFrame(2222, seq, 1000, false, 1, 3));  // not decodable: held back
  auto key = makeFrame(2222, seq, 4000, true, 1, 4);
  fanout_->publish("math", "720p", key);
  auto rtp = client.nextRtp(2000ms);
  ASSERT_TRUE(rtp.has_value());
  EXPECT_TRUE(std::ranges::equal(RtpHeader::parse(*rtp)->payload, key->packets[0]->payload()));
}

TEST_F(FanoutTest, SilentViewerIsRemovedAfterTheConsentTimeout) {
  Client client(*fanout_);
  client.join("math");
  ASSERT_TRUE(client.checkIce());
  ASSERT_TRUE(client.handshake());
  std::this_thread::sleep_for(3500ms);  // consent_timeout_s = 2, nothing sent since
  EXPECT_FALSE(fanout_->removeViewer(client.session().id));
}

TEST_F(FanoutTest, RefusesUnknownRoomsBadOffersAndTooManyViewers) {
  Client a(*fanout_);
  EXPECT_THROW(a.join("nope"), common::Error);
  try {
    fanout_->addViewer({"math", "x", "v=0\r\nthis is not sdp", ""});
    FAIL();
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), common::ErrorCode::BadRequest);
  }
  Client b(*fanout_);
  Client c(*fanout_);
  a.join("math");
  b.join("math");
  try {
    c.join("math");
    FAIL();
  } catch (const common::Error& e) {
    EXPECT_EQ(e.code(), common::ErrorCode::Unavailable);
  }
  fanout_->endRoom("math");
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(fanout_->removeViewer(a.session().id));
}

}  // namespace
}  // namespace airclass::media::webrtc
