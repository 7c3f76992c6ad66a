// One DTLS 1.2 association (RFC 6347) for DTLS-SRTP (RFC 5764), on memory only: received datagrams go in,
// datagrams to send come out, the owner moves them over its socket. Server role for our viewers (setup:passive),
// client role for tests and the load client. The peer's certificate must match the SHA-256 fingerprint from its
// SDP; the negotiated SRTP profile and exported keys become the two SrtpContexts of the peer.
// Not thread-safe: owned by the one thread that serves the peer (a fan-out worker).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/webrtc/dtls_certificate.hpp"
#include "media/webrtc/srtp_context.hpp"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace airclass::media::webrtc {

enum class DtlsState { Handshaking, Connected, Closed, Failed };

enum class DtlsInput {
  Ok,       // consumed (handshake progress, an alert, application data that is ignored)
  Garbage,  // not a sequence of well-formed DTLS records: dropped before OpenSSL saw it
  Failed,   // the handshake failed on it (bad fingerprint, fatal alert): state() is Failed
};

class DtlsTransport {
 public:
  static constexpr size_t kMtu = 1200;       // DTLS fragments its flights to this size
  static constexpr size_t kMaxDatagram = 2048;

  // `remote_fingerprint` is the peer's a=fingerprint sha-256 value ("AB:CD:..", any case).
  DtlsTransport(const DtlsCertificate& certificate, DtlsRole role, std::string remote_fingerprint);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // The client sends its ClientHello; the server waits for one. Call once.
  void start();
  DtlsInput handleDatagram(std::span<const uint8_t> datagram);
  // Time until handleTimeout() is due (retransmission of the last flight), or nullopt when no timer runs.
  std::optional<std::chrono::milliseconds> timeout() const;
  void handleTimeout();
  // Sends close_notify (when connected) and moves to Closed.
  void close();

  // Datagrams produced since the last call, in order.
  std::vector<std::vector<uint8_t>> takeOutgoing();

  DtlsState state() const { return state_; }
  DtlsRole role() const { return role_; }
  const std::string& failure() const { return failure_; }  // why it failed, for a log line
  // Once Connected: the negotiated profile and the contexts protecting what we send and checking what we get.
  SrtpProfile srtpProfile() const { return profile_; }
  SrtpContext makeSendContext() const;
  SrtpContext makeReceiveContext() const;

  // True when `datagram` is a sequence of DTLS records with sane headers (content type, version, length).
  static bool wellFormed(std::span<const uint8_t> datagram);

 private:
  static int verifyCallback(int preverify_ok, X509_STORE_CTX* store);
  void drive();  // runs the handshake or reads records after it
  void fail(std::string why);
  void onConnected();

  struct SslFree {
    void operator()(SSL* ssl) const;
  };
  DtlsRole role_;
  std::string remote_fingerprint_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  DtlsState state_ = DtlsState::Handshaking;
  SrtpProfile profile_ = SrtpProfile::AeadAes128Gcm;
  std::vector<uint8_t> keying_material_;
  std::vector<std::vector<uint8_t>> outgoing_;
  std::string failure_;
  bool fingerprint_checked_ = false;
  bool fingerprint_ok_ = false;

  friend struct DtlsBio;
};

}  // namespace airclass::media::webrtc
