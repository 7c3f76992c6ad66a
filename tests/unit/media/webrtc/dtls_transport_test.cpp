#include "media/webrtc/dtls_transport.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace airclass::media::webrtc {
namespace {

// Moves datagrams between the two transports until neither has anything to say; returns how many moved.
int pump(DtlsTransport& a, DtlsTransport& b) {
  int moved = 0;
  for (int round = 0; round < 20; ++round) {
    auto from_a = a.takeOutgoing();
    auto from_b = b.takeOutgoing();
    if (from_a.empty() && from_b.empty()) break;
    for (const auto& d : from_a) {
      EXPECT_LE(d.size(), DtlsTransport::kMtu + 64);
      b.handleDatagram(d);
      ++moved;
    }
    for (const auto& d : from_b) {
      a.handleDatagram(d);
      ++moved;
    }
  }
  return moved;
}

std::vector<uint8_t> rtp(uint16_t seq) {
  std::vector<uint8_t> p = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 1,
                            0x11, 0x22, 0x33, 0x44};
  for (int i = 0; i < 100; ++i) p.push_back(static_cast<uint8_t>(i));
  return p;
}

class DtlsTransportTest : public ::testing::Test {
 protected:
  DtlsCertificate server_cert;
  DtlsCertificate client_cert;
};

TEST_F(DtlsTransportTest, FingerprintIsSha256WithColons) {
  EXPECT_EQ(server_cert.fingerprint().size(), 32u * 3 - 1);
  EXPECT_EQ(server_cert.fingerprint()[2], ':');
  EXPECT_NE(server_cert.fingerprint(), client_cert.fingerprint());
}

TEST_F(DtlsTransportTest, HandshakeInMemoryAndKeysMatch) {
  DtlsTransport server(server_cert, DtlsRole::Server, client_cert.fingerprint());
  DtlsTransport client(client_cert, DtlsRole::Client, server_cert.fingerprint());
  server.start();
  EXPECT_TRUE(server.takeOutgoing().empty());
  client.start();
  EXPECT_TRUE(client.timeout().has_value());  // the ClientHello's retransmission timer runs
  pump(client, server);
  ASSERT_EQ(server.state(), DtlsState::Connected) << server.failure();
  ASSERT_EQ(client.state(), DtlsState::Connected) << client.failure();
  EXPECT_EQ(server.srtpProfile(), SrtpProfile::AeadAes128Gcm);  // our preference, and OpenSSL offers it
  EXPECT_FALSE(server.timeout().has_value());

  SrtpContext server_send = server.makeSendContext();
  SrtpContext client_receive = client.makeReceiveContext();
  SrtpContext client_send = client.makeSendContext();
  SrtpContext server_receive = server.makeReceiveContext();
  for (uint16_t seq = 1; seq < 4; ++seq) {
    const auto plain = rtp(seq);
    std::vector<uint8_t> buffer(plain.size() + SrtpContext::kMaxOverhead);
    size_t length = 0;
    ASSERT_EQ(server_send.protectRtp(plain, buffer, length), SrtpStatus::Ok);
    EXPECT_NE(std::vector<uint8_t>(buffer.begin() + 12, buffer.begin() + 20),
              std::vector<uint8_t>(plain.begin() + 12, plain.begin() + 20));
    ASSERT_EQ(client_receive.unprotectRtp(buffer, length), SrtpStatus::Ok);
    EXPECT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(length)), plain);
  }
  // The other direction uses the other half of the keys: the server's own sending context cannot read it.
  const auto plain = rtp(9);
  std::vector<uint8_t> buffer(plain.size() + SrtpContext::kMaxOverhead);
  size_t length = 0;
  ASSERT_EQ(client_send.protectRtp(plain, buffer, length), SrtpStatus::Ok);
  auto copy = buffer;
  size_t copy_length = length;
  EXPECT_EQ(server_receive.unprotectRtp(buffer, length), SrtpStatus::Ok);
  EXPECT_EQ(client_receive.unprotectRtp(copy, copy_length), SrtpStatus::AuthFailed);
}

TEST_F(DtlsTransportTest, WrongFingerprintIsRefused) {
  DtlsCertificate other;
  DtlsTransport server(server_cert, DtlsRole::Server, other.fingerprint());  // the SDP named another cert
  DtlsTransport client(client_cert, DtlsRole::Client, server_cert.fingerprint());
  client.start();
  pump(client, server);
  EXPECT_EQ(server.state(), DtlsState::Failed);
  EXPECT_NE(server.failure().find("fingerprint"), std::string::npos) << server.failure();
  EXPECT_NE(client.state(), DtlsState::Connected);
  EXPECT_THROW((void)server.makeSendContext(), std::exception);
}

TEST_F(DtlsTransportTest, ClientRefusesServerWithWrongFingerprint) {
  DtlsCertificate other;
  DtlsTransport server(server_cert, DtlsRole::Server, client_cert.fingerprint());
  DtlsTransport client(client_cert, DtlsRole::Client, other.fingerprint());
  client.start();
  pump(client, server);
  EXPECT_EQ(client.state(), DtlsState::Failed);
  EXPECT_NE(server.state(), DtlsState::Connected);
}

TEST_F(DtlsTransportTest, GarbageIsDroppedAndTheHandshakeStillCompletes) {
  DtlsTransport server(server_cert, DtlsRole::Server, client_cert.fingerprint());
  DtlsTransport client(client_cert, DtlsRole::Client, server_cert.fingerprint());
  client.start();
  const std::vector<std::vector<uint8_t>> garbage = {
      {},
      {22, 0xFE, 0xFD},                                              // truncated header
      {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 1, 2},    // length beyond the datagram
      {99, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 7},              // unknown content type
      {22, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 7},              // TLS, not DTLS
      {23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4},     // encrypted, too short for any cipher
  };
  for (const auto& g : garbage) EXPECT_EQ(server.handleDatagram(g), DtlsInput::Garbage);
  // Well-framed records with nonsense inside are OpenSSL's to discard; the association survives them.
  std::vector<uint8_t> bogus = {23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40};
  bogus.resize(13 + 40, 0x5A);
  EXPECT_EQ(server.handleDatagram(bogus), DtlsInput::Ok);
  pump(client, server);
  ASSERT_EQ(server.state(), DtlsState::Connected) << server.failure();
  EXPECT_EQ(server.handleDatagram(bogus), DtlsInput::Ok);
  EXPECT_EQ(server.state(), DtlsState::Connected);
  server.close();  // and it still closes cleanly
  ASSERT_EQ(server.takeOutgoing().size(), 1u);
}

TEST_F(DtlsTransportTest, CloseNotifyReachesThePeer) {
  DtlsTransport server(server_cert, DtlsRole::Server, client_cert.fingerprint());
  DtlsTransport client(client_cert, DtlsRole::Client, server_cert.fingerprint());
  client.start();
  pump(client, server);
  ASSERT_EQ(server.state(), DtlsState::Connected);
  server.close();
  EXPECT_EQ(server.state(), DtlsState::Closed);
  auto alerts = server.takeOutgoing();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0][0], 21);  // alert record
  EXPECT_EQ(client.handleDatagram(alerts[0]), DtlsInput::Ok);
  EXPECT_EQ(client.state(), DtlsState::Closed);
}

TEST_F(DtlsTransportTest, LostFlightIsRetransmittedAfterTheTimer) {
  DtlsTransport server(server_cert, DtlsRole::Server, client_cert.fingerprint());
  DtlsTransport client(client_cert, DtlsRole::Client, server_cert.fingerprint());
  client.start();
  (void)client.takeOutgoing();  // the ClientHello is lost
  const auto wait = client.timeout();
  ASSERT_TRUE(wait.has_value());
  EXPECT_LE(wait->count(), 1000);
  std::this_thread::sleep_for(*wait + std::chrono::milliseconds(20));
  client.handleTimeout();
  EXPECT_FALSE(client.takeOutgoing().empty());  // sent again
}

}  // namespace
}  // namespace airclass::media::webrtc
