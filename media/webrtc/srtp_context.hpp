// SRTP/SRTCP protection for one DTLS-SRTP key (one direction of one peer): AES_CM_128_HMAC_SHA1_80
// (RFC 3711) and AEAD_AES_128_GCM (RFC 7714) on OpenSSL EVP, the RFC 3711 key derivation, per-SSRC ROC
// tracking and a replay window. Hot path: no allocation, status values, EVP contexts reused.
// Not thread-safe: owned by the one fan-out worker (or ingest loop) that serves the peer.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace airclass::media::webrtc {

enum class SrtpProfile { AesCm128HmacSha1_80, AeadAes128Gcm };

enum class SrtpStatus { Ok, BadPacket, NoRoom, AuthFailed, Replayed, TooManyStreams, CryptoError };

// Session keys for one of SRTP or SRTCP (RFC 3711 4.3): encryption key, salt, and (AES-CM only) auth key.
struct SrtpSessionKeys {
  std::vector<uint8_t> cipher_key;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> auth_key;
};

class SrtpContext {
 public:
  // Bytes protect may append: an SRTP tag, or an SRTCP tag plus the E/index word.
  static constexpr size_t kMaxOverhead = 20;
  static constexpr size_t kMaxStreams = 16;  // SSRCs tracked per direction

  static size_t masterKeySize(SrtpProfile) { return 16; }
  static size_t masterSaltSize(SrtpProfile p) { return p == SrtpProfile::AeadAes128Gcm ? 12 : 14; }
  // RFC 3711 4.3.1 with key_derivation_rate 0 (the AES-CM PRF; RFC 7714 11 uses it too).
  static SrtpSessionKeys deriveSessionKeys(SrtpProfile profile, std::span<const uint8_t> master_key,
                                           std::span<const uint8_t> master_salt, bool rtcp);

  // DTLS-SRTP (RFC 5764 4.2): the exporter ("EXTRACTOR-dtls_srtp") yields client key | server key | client salt |
  // server salt. A DTLS server (us, setup:passive) protects with the server's half and unprotects with the
  // client's: fromKeyingMaterial(p, m, /*client_write=*/false) and (..., true).
  static size_t keyingMaterialSize(SrtpProfile p) { return 2 * (masterKeySize(p) + masterSaltSize(p)); }
  static SrtpContext fromKeyingMaterial(SrtpProfile profile, std::span<const uint8_t> material, bool client_write);

  // From the DTLS-exported master key and salt; throws common::Error(BadRequest) on wrong sizes.
  SrtpContext(SrtpProfile profile, std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt);
  // From session keys directly (the RFC 7714 vectors are stated that way).
  SrtpContext(SrtpProfile profile, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp);
  ~SrtpContext();
  SrtpContext(SrtpContext&&) noexcept;
  SrtpContext& operator=(SrtpContext&&) noexcept;
  SrtpContext(const SrtpContext&) = delete;
  SrtpContext& operator=(const SrtpContext&) = delete;

  SrtpProfile profile() const { return profile_; }

  // In place: `length` bytes of `buffer` are the packet; on Ok `length` is the new size. Protect needs
  // buffer.size() >= length + kMaxOverhead.
  SrtpStatus protectRtp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus unprotectRtp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus protectRtcp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus unprotectRtcp(std::span<uint8_t> buffer, size_t& length);

  // Copy-and-protect for the fan-out: `packet` is a shared, immutable RTP packet; the protected form is
  // written to `out` (a per-viewer send buffer) and its size to `out_length`.
  SrtpStatus protectRtp(std::span<const uint8_t> packet, std::span<uint8_t> out, size_t& out_length);

 private:
  struct Keys;
  struct RtpStream {
    uint32_t ssrc = 0;
    bool used = false;
    uint64_t highest = 0;  // highest authenticated/sent 48-bit index (ROC << 16 | SEQ)
    uint64_t window = 0;   // bit n: highest - n was seen (inbound)
  };
  struct RtcpStream {
    uint32_t ssrc = 0;
    bool used = false;
    uint32_t index = 0;    // outbound: last index sent; inbound: highest index accepted
    uint64_t window = 0;
  };
  template <class Stream>
  static Stream* findStream(std::array<Stream, kMaxStreams>& streams, uint32_t ssrc);

  SrtpStatus cryptRtp(uint8_t* packet, size_t header_size, size_t payload_size, uint32_t ssrc, uint64_t index,
                      bool encrypt, uint8_t* tag);

  SrtpProfile profile_;
  std::unique_ptr<Keys> rtp_;
  std::unique_ptr<Keys> rtcp_;
  std::array<RtpStream, kMaxStreams> out_rtp_{};
  std::array<RtpStream, kMaxStreams> in_rtp_{};
  std::array<RtcpStream, kMaxStreams> out_rtcp_{};
  std::array<RtcpStream, kMaxStreams> in_rtcp_{};
};

}  // namespace airclass::media::webrtc
