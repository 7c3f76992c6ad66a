#include "bench/webrtc_load/viewer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/packet_demux.hpp"
#include "media/webrtc/rtcp_compound.hpp"
#include "media/webrtc/stun_message.hpp"

namespace airclass::bench {
namespace {

using media::webrtc::DtlsCertificate;
using media::webrtc::DtlsRole;
using media::webrtc::DtlsState;
using media::webrtc::DtlsTransport;
using media::webrtc::PacketKind;
using media::webrtc::SrtpContext;
using media::webrtc::SrtpStatus;
using media::webrtc::StunMessage;

constexpr const char* kServerUfrag = "srv1";
constexpr const char* kServerPwd = "serverpasswordserverpass";
constexpr uint32_t kSsrc = 0x11223344;

sockaddr_in loopback() {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A minimal ICE-lite + DTLS server built from the project's own pieces, on a real loopback socket: what the
// viewer talks to in place of AirClass.
class TestServer {
 public:
  explicit TestServer(const std::string& viewer_fingerprint)
      : dtls_(certificate_, DtlsRole::Server, viewer_fingerprint) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a = loopback();
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t length = sizeof address_;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address_), &length);
    dtls_.start();
  }
  ~TestServer() { ::close(fd_); }

  SignaledSession session() const {
    SignaledSession s;
    s.id = "test";
    s.remote.ice_ufrag = kServerUfrag;
    s.remote.ice_pwd = kServerPwd;
    s.remote.fingerprint = certificate_.fingerprint();
    s.remote.candidate = address_;
    s.remote.ice_lite = true;
    return s;
  }

  // Answers what arrived; returns false when nothing did.
  bool serve(const std::string& viewer_ufrag) {
    uint8_t buffer[2048];
    socklen_t length = sizeof peer_;
    const ssize_t n = ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer_), &length);
    if (n <= 0) return false;
    std::span<uint8_t> datagram(buffer, static_cast<size_t>(n));
    switch (media::webrtc::classifyPacket(datagram)) {
      case PacketKind::Stun: {
        const auto request = StunMessage::parse(datagram);
        if (!request || !request->isIceCheckFor(kServerUfrag, kServerPwd)) break;
        EXPECT_EQ(*request->username, std::string(kServerUfrag) + ":" + viewer_ufrag);
        EXPECT_TRUE(request->use_candidate);
        EXPECT_TRUE(request->ice_controlling.has_value());
        ++checks;
        media::webrtc::StunAddress source;
        std::memcpy(source.ip.data(), &peer_.sin_addr, 4);
        source.port = ntohs(peer_.sin_port);
        send(StunMessage::bindingSuccess(*request, source).serialize(kServerPwd, true));
        break;
      }
      case PacketKind::Dtls:
        dtls_.handleDatagram(datagram);
        for (const auto& d : dtls_.takeOutgoing()) send(d);
        if (dtls_.state() == DtlsState::Connected && !send_) {
          send_.emplace(dtls_.makeSendContext());
          receive_.emplace(dtls_.makeReceiveContext());
        }
        break;
      case PacketKind::Rtcp: {
        size_t size = datagram.size();
        if (!receive_ || receive_->unprotectRtcp(datagram, size) != SrtpStatus::Ok) {
          ADD_FAILURE() << "SRTCP from the viewer does not unprotect";
          break;
        }
        const auto compound = media::webrtc::RtcpCompound::parse(datagram.first(size));
        if (!compound) {
          ADD_FAILURE() << compound.error();
          break;
        }
        reports.insert(reports.end(), compound->receiver_reports.begin(), compound->receiver_reports.end());
        break;
      }
      default:
        break;
    }
    return true;
  }

  void sendRtp(uint16_t seq, bool corrupt = false) {
    std::vector<uint8_t> plain = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 1,
                                  0x11, 0x22, 0x33, 0x44};
    plain.resize(200, 0x5A);
    std::vector<uint8_t> out(plain.size() + SrtpContext::kMaxOverhead);
    size_t length = 0;
    ASSERT_EQ(send_->protectRtp(plain, out, length), SrtpStatus::Ok);
    if (corrupt) out[40] ^= 1;
    send(std::span(out.data(), length));
  }

  bool connected() const { return send_.has_value(); }
  int checks = 0;
  std::vector<media::webrtc::RtcpReceiverReport> reports;

 private:
  void send(std::span<const uint8_t> d) {
    ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_);
  }

  DtlsCertificate certificate_;
  DtlsTransport dtls_;
  int fd_ = -1;
  sockaddr_in address_{};
  sockaddr_in peer_{};
  std::optional<SrtpContext> send_;
  std::optional<SrtpContext> receive_;
};

class ViewerTest : public ::testing::Test {
 protected:
  // Runs both sides (viewer clock `now` advancing 5 ms a turn) until `done` or about two seconds pass.
  template <class Done>
  bool pump(Viewer& viewer, TestServer& server, Done done) {
    for (int turn = 0; turn < 400 && !done(); ++turn) {
      while (server.serve(viewer.local(false).ice_ufrag)) {
      }
      viewer.onReadable(batch, now);
      viewer.onTick(now);
      usleep(1000);
      now += 5;
    }
    return done();
  }

  DtlsCertificate certificate;
  std::mt19937_64 random{42};
  RxBatch batch;
  int64_t now = 1000;
};

TEST_F(ViewerTest, ConnectsCountsPacketsAndLossAndReportsIt) {
  Viewer viewer(0, certificate, loopback(), 1, random);
  TestServer server(certificate.fingerprint());
  const LocalDescription local = viewer.local(false);
  EXPECT_EQ(local.address, "127.0.0.1");
  EXPECT_NE(local.port, 0);

  viewer.start(server.session(), true, now);
  ASSERT_TRUE(pump(viewer, server, [&] { return viewer.state() == Viewer::State::Connected && server.connected(); }))
      << viewer.failure();
  EXPECT_GE(server.checks, 1);

  // Ten packets with 105 missing, then one whose auth tag fails: 9 counted, 10 expected, 1 auth failure.
  for (uint16_t seq = 100; seq < 110; ++seq) {
    if (seq != 105) server.sendRtp(seq);
  }
  server.sendRtp(110, /*corrupt=*/true);
  ASSERT_TRUE(pump(viewer, server, [&] { return viewer.totals().auth_failures == 1; }));
  const auto totals = viewer.totals();
  EXPECT_EQ(totals.packets, 9u);
  EXPECT_EQ(totals.expected, 10u);
  EXPECT_EQ(totals.bytes, 9u * (200 + 16));  // AES-GCM tag: the profile DTLS negotiates first

  // A second later the viewer's receiver report arrives, SRTCP-protected, with the loss in it.
  now += 1000;
  ASSERT_TRUE(pump(viewer, server, [&] { return !server.reports.empty(); }));
  ASSERT_EQ(server.reports.front().reports.size(), 1u);
  const auto& block = server.reports.front().reports.front();
  EXPECT_EQ(block.ssrc, kSsrc);
  EXPECT_EQ(block.cumulative_lost, 1);
  EXPECT_EQ(block.highest_sequence, 109u);
  EXPECT_EQ(block.fraction_lost, 256 / 10);

  // Consent keeps going: another check a few seconds on.
  const int checks = server.checks;
  now += 4000;
  EXPECT_TRUE(pump(viewer, server, [&] { return server.checks > checks; }));
  EXPECT_EQ(viewer.state(), Viewer::State::Connected);
  viewer.close();
  EXPECT_EQ(viewer.state(), Viewer::State::Closed);
}

TEST_F(ViewerTest, FailsWhenTheServerNeverAnswers) {
  Viewer viewer(7, certificate, loopback(), 1, random);
  TestServer server(certificate.fingerprint());
  SignaledSession session = server.session();
  session.remote.ice_pwd = "a-different-password-xx";  // the server ignores checks it cannot verify
  viewer.start(session, true, now);
  now += 25000;
  viewer.onTick(now);
  EXPECT_EQ(viewer.state(), Viewer::State::Failed);
  EXPECT_NE(viewer.failure().find("ice timeout"), std::string::npos);
}

}  // namespace
}  // namespace airclass::bench
