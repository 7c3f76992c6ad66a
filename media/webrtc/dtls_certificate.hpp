// Our DTLS identity: an ECDSA P-256 self-signed certificate made once per process, its SHA-256 fingerprint
// ("AB:CD:..") for the SDP answer, and the OpenSSL contexts (server and client role, DTLS 1.2, DTLS-SRTP
// profiles) every DtlsTransport is created from. Constructed on the owner's thread; afterwards immutable, and
// any thread may create transports from it.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace airclass::media::webrtc {

enum class DtlsRole { Server, Client };

class DtlsCertificate {
 public:
  // Generates a fresh key and certificate (valid 30 days from an hour ago). Throws common::Error(Internal).
  DtlsCertificate();
  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  const std::string& fingerprint() const { return fingerprint_; }  // SHA-256, upper-case hex with colons
  SSL_CTX* context(DtlsRole role) const;

  // "AB:CD:.." of SHA-256 over DER bytes.
  static std::string formatFingerprint(std::span<const unsigned char> digest);

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::string fingerprint_;
};

}  // namespace airclass::media::webrtc
