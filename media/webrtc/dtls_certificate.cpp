#include "media/webrtc/dtls_certificate.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/error.hpp"

namespace airclass::media::webrtc {
namespace {

// Chromium and Firefox offer these for DTLS 1.2 with ECDSA certificates. AES-GCM only: every encrypted record
// then has an 8-byte explicit nonce and a 16-byte tag, which DtlsTransport::wellFormed checks before OpenSSL
// sees a record (OpenSSL 3.0 fails the handshake on a shorter record buffered for the next epoch).
constexpr const char* kCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
// Our preference (a DTLS server picks its first one the client offers): GCM is the cheaper per packet.
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

[[noreturn]] void fail(const char* what) {
  throw common::Error(common::ErrorCode::Internal, std::string("dtls certificate: ") + what);
}

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct CtxFree { void operator()(SSL_CTX* p) const { SSL_CTX_free(p); } };

}  // namespace

struct DtlsCertificate::Handles {
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<SSL_CTX, CtxFree> server;
  std::unique_ptr<SSL_CTX, CtxFree> client;
};

namespace {

std::unique_ptr<SSL_CTX, CtxFree> makeContext(bool server, EVP_PKEY* key, X509* cert) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method()));
  if (!ctx) fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), DTLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(ctx.get(), cert) != 1 || SSL_CTX_use_PrivateKey(ctx.get(), key) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    fail("certificate or key refused");
  }
  if (SSL_CTX_set_cipher_list(ctx.get(), kCiphers) != 1) fail("cipher list");
  // OpenSSL returns 0 on success here.
  if (SSL_CTX_set_tlsext_use_srtp(ctx.get(), kSrtpProfiles) != 0) fail("use_srtp profiles");
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace

DtlsCertificate::DtlsCertificate() : handles_(std::make_unique<Handles>()) {
  handles_->key.reset(EVP_EC_gen("P-256"));
  if (!handles_->key) fail("EC key generation");
  handles_->cert.reset(X509_new());
  X509* cert = handles_->cert.get();
  if (!cert) fail("X509_new");
  unsigned char serial[8];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("RAND_bytes");
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  if (!serial_ok || X509_set_version(cert, 2) != 1) fail("serial");
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* cn = reinterpret_cast<const unsigned char*>("airclass");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, handles_->key.get()) != 1 ||
      X509_sign(cert, handles_->key.get(), EVP_sha256()) == 0) {
    fail("certificate signing");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &digest_size) != 1) fail("digest");
  fingerprint_ = formatFingerprint(std::span(digest, digest_size));
  handles_->server = makeContext(true, handles_->key.get(), cert);
  handles_->client = makeContext(false, handles_->key.get(), cert);
}

DtlsCertificate::~DtlsCertificate() = default;

SSL_CTX* DtlsCertificate::context(DtlsRole role) const {
  return role == DtlsRole::Server ? handles_->server.get() : handles_->client.get();
}

std::string DtlsCertificate::formatFingerprint(std::span<const unsigned char> digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(digest.size() * 3);
  for (size_t i = 0; i < digest.size(); ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace airclass::media::webrtc
