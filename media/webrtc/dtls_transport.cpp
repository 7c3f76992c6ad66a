#include "media/webrtc/dtls_transport.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <string>

#include "common/error.hpp"
#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {

constexpr size_t kRecordHeader = 13;  // type, version, epoch, sequence (48 bits), length
constexpr size_t kMinEncryptedRecord = 8 + 16;  // AES-GCM explicit nonce and tag (the only ciphers we allow)

// The write side: a BIO that keeps every write as one datagram (a DTLS record or a flight fragment).
struct DtlsBio {
  static int write(BIO* bio, const char* data, int size) {
    auto* transport = static_cast<DtlsTransport*>(BIO_get_data(bio));
    if (!transport || size <= 0) return size <= 0 ? 0 : -1;
    const auto* bytes = reinterpret_cast<const uint8_t*>(data);
    transport->outgoing_.emplace_back(bytes, bytes + size);
    return size;
  }
  static long ctrl(BIO*, int cmd, long, void*) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_DGRAM_QUERY_MTU:
      case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return static_cast<long>(DtlsTransport::kMtu);
      default:
        return 0;
    }
  }
  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }
  static const BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "airclass dtls datagrams");
      if (!made) return made;
      BIO_meth_set_write(made, &DtlsBio::write);
      BIO_meth_set_ctrl(made, &DtlsBio::ctrl);
      BIO_meth_set_create(made, &DtlsBio::create);
      return made;
    }();
    return m;
  }
};

namespace {

bool sameFingerprint(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::string fingerprintOf(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), digest, &size) != 1) return {};
  return DtlsCertificate::formatFingerprint(std::span(digest, size));
}

std::string opensslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

}  // namespace

void DtlsTransport::SslFree::operator()(SSL* ssl) const { SSL_free(ssl); }

DtlsTransport::DtlsTransport(const DtlsCertificate& certificate, DtlsRole role, std::string remote_fingerprint)
    : role_(role), remote_fingerprint_(std::move(remote_fingerprint)) {
  ssl_.reset(SSL_new(certificate.context(role)));
  if (!ssl_) throw common::Error(common::ErrorCode::Internal, "dtls: SSL_new: " + opensslError());
  SSL* ssl = ssl_.get();
  rbio_ = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(DtlsBio::method());
  if (!rbio_ || !wbio) {
    BIO_free(rbio_);
    BIO_free(wbio);
    throw common::Error(common::ErrorCode::Internal, "dtls: BIO_new");
  }
  BIO_set_mem_eof_return(rbio_, -1);  // an empty read means "wait for the next datagram", not EOF
  BIO_set_data(wbio, this);
  SSL_set_bio(ssl, rbio_, wbio);  // ssl owns both now
  SSL_set_ex_data(ssl, 0, this);
  SSL_set_mtu(ssl, kMtu);
  SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &DtlsTransport::verifyCallback);
  if (role == DtlsRole::Server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
}

DtlsTransport::~DtlsTransport() = default;

// The certificates are self-signed: only the leaf's fingerprint against the SDP decides.
int DtlsTransport::verifyCallback(int, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<DtlsTransport*>(SSL_get_ex_data(ssl, 0)) : nullptr;
  if (!self) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  self->fingerprint_checked_ = true;
  self->fingerprint_ok_ = sameFingerprint(fingerprintOf(X509_STORE_CTX_get_current_cert(store)),
                                          self->remote_fingerprint_);
  if (!self->fingerprint_ok_) X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return self->fingerprint_ok_ ? 1 : 0;
}

void DtlsTransport::start() {
  if (role_ == DtlsRole::Client) drive();
}

bool DtlsTransport::wellFormed(std::span<const uint8_t> datagram) {
  if (datagram.empty() || datagram.size() > kMaxDatagram) return false;
  size_t at = 0;
  while (at < datagram.size()) {
    if (datagram.size() - at < kRecordHeader) return false;
    const uint8_t type = datagram[at];
    if (type < 20 || type > 24) return false;  // change_cipher_spec, alert, handshake, application_data, heartbeat
    if (datagram[at + 1] != 0xFE) return false; // DTLS versions are 0xFEFF (1.0) and 0xFEFD (1.2)
    const size_t length = loadU16(datagram.data() + at + 11);
    if (length == 0 || length > datagram.size() - at - kRecordHeader) return false;
    const uint16_t epoch = loadU16(datagram.data() + at + 3);
    if (epoch != 0 && length < kMinEncryptedRecord) return false;
    at += kRecordHeader + length;
  }
  return true;
}

DtlsInput DtlsTransport::handleDatagram(std::span<const uint8_t> datagram) {
  if (!wellFormed(datagram)) return DtlsInput::Garbage;
  if (state_ == DtlsState::Failed || state_ == DtlsState::Closed) return DtlsInput::Ok;
  if (BIO_write(rbio_, datagram.data(), static_cast<int>(datagram.size())) != static_cast<int>(datagram.size())) {
    return DtlsInput::Garbage;
  }
  drive();
  return state_ == DtlsState::Failed ? DtlsInput::Failed : DtlsInput::Ok;
}

void DtlsTransport::drive() {
  SSL* ssl = ssl_.get();
  if (state_ == DtlsState::Handshaking) {
    const int r = SSL_do_handshake(ssl);
    if (r == 1) {
      onConnected();
    } else {
      const int e = SSL_get_error(ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        fail(fingerprint_checked_ && !fingerprint_ok_ ? "certificate fingerprint mismatch"
                                                       : "handshake: " + opensslError());
      }
      return;
    }
  }
  if (state_ != DtlsState::Connected) return;
  // After the handshake: retransmitted flights, alerts; application data (no data channels here) is discarded.
  uint8_t sink[kMaxDatagram];
  for (;;) {
    const int r = SSL_read(ssl, sink, sizeof sink);
    if (r > 0) continue;
    const int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) {
      state_ = DtlsState::Closed;  // close_notify from the peer
    } else if (e == SSL_ERROR_SSL || (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) != 0) {
      fail("read: " + opensslError());
    }
    // Otherwise (want-read, or "syscall" when the memory BIO ran dry after OpenSSL discarded a bad record)
    // there is nothing more in this datagram.
    ERR_clear_error();
    return;
  }
}

void DtlsTransport::onConnected() {
  SSL* ssl = ssl_.get();
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer || !sameFingerprint(fingerprintOf(peer), remote_fingerprint_)) {
    fail("certificate fingerprint mismatch");
    return;
  }
  const SRTP_PROTECTION_PROFILE* srtp = SSL_get_selected_srtp_profile(ssl);
  if (!srtp) {
    fail("no SRTP profile negotiated");
    return;
  }
  if (srtp->id == SRTP_AEAD_AES_128_GCM) {
    profile_ = SrtpProfile::AeadAes128Gcm;
  } else if (srtp->id == SRTP_AES128_CM_SHA1_80) {
    profile_ = SrtpProfile::AesCm128HmacSha1_80;
  } else {
    fail("unsupported SRTP profile");
    return;
  }
  keying_material_.resize(SrtpContext::keyingMaterialSize(profile_));
  static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl, keying_material_.data(), keying_material_.size(), kLabel, sizeof kLabel - 1,
                                 nullptr, 0, 0) != 1) {
    fail("keying material export");
    return;
  }
  state_ = DtlsState::Connected;
}

void DtlsTransport::fail(std::string why) {
  ERR_clear_error();
  state_ = DtlsState::Failed;
  failure_ = std::move(why);
}

std::optional<std::chrono::milliseconds> DtlsTransport::timeout() const {
  if (state_ != DtlsState::Handshaking) return std::nullopt;
  timeval tv{};
  if (SSL_ctrl(ssl_.get(), DTLS_CTRL_GET_TIMEOUT, 0, &tv) != 1) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000);
}

void DtlsTransport::handleTimeout() {
  if (state_ != DtlsState::Handshaking) return;
  if (SSL_ctrl(ssl_.get(), DTLS_CTRL_HANDLE_TIMEOUT, 0, nullptr) < 0) fail("retransmission: " + opensslError());
}

void DtlsTransport::close() {
  if (state_ == DtlsState::Connected) {
    (void)SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  if (state_ != DtlsState::Failed) state_ = DtlsState::Closed;
}

std::vector<std::vector<uint8_t>> DtlsTransport::takeOutgoing() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(outgoing_);
  return out;
}

SrtpContext DtlsTransport::makeSendContext() const {
  if (keying_material_.empty()) throw common::Error(common::ErrorCode::Internal, "dtls: not connected");
  return SrtpContext::fromKeyingMaterial(profile_, keying_material_, role_ == DtlsRole::Client);
}

SrtpContext DtlsTransport::makeReceiveContext() const {
  if (keying_material_.empty()) throw common::Error(common::ErrorCode::Internal, "dtls: not connected");
  return SrtpContext::fromKeyingMaterial(profile_, keying_material_, role_ != DtlsRole::Client);
}

}  // namespace airclass::media::webrtc
