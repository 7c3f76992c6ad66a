#include "media/webrtc/srtp_context.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.hpp"
#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {
namespace {

constexpr size_t kGcmTag = 16;
constexpr size_t kHmacTag = 10;  // HMAC-SHA1-80
constexpr size_t kRtcpHeader = 8;
constexpr size_t kIndexWord = 4;
constexpr uint64_t kWindowBits = 64;

size_t rtpOverhead(SrtpProfile p) { return p == SrtpProfile::AeadAes128Gcm ? kGcmTag : kHmacTag; }
size_t rtcpOverhead(SrtpProfile p) { return rtpOverhead(p) + kIndexWord; }

// Header size of an RTP packet (fixed header, CSRCs, extension), or nullopt when it does not fit.
std::optional<size_t> rtpHeaderSize(const uint8_t* p, size_t length) {
  if (length < 12 || (p[0] >> 6) != 2) return std::nullopt;
  size_t size = 12 + 4 * size_t{p[0] & 0x0FU};
  if (p[0] & 0x10U) {
    if (size + 4 > length) return std::nullopt;
    size += 4 + 4 * size_t{loadU16(p + size + 2)};
  }
  if (size > length) return std::nullopt;
  return size;
}

// RFC 3711 3.3.1: the index of `seq` relative to the highest index seen; nullopt when it would be negative.
std::optional<uint64_t> estimateIndex(uint64_t highest, uint16_t seq) {
  const int64_t roc = static_cast<int64_t>(highest >> 16);
  const auto s_l = static_cast<int32_t>(highest & 0xFFFFU);
  int64_t v = roc;
  if (s_l < 32768) {
    if (seq - s_l > 32768) v = roc - 1;
  } else if (s_l - 32768 > seq) {
    v = roc + 1;
  }
  if (v < 0 || v > 0xFFFFFFFFLL) return std::nullopt;
  return (static_cast<uint64_t>(v) << 16) | seq;
}

// Replay check against a 64-entry window; `highest` is the highest accepted value.
bool seen(uint64_t highest, uint64_t window, uint64_t index) {
  if (index > highest) return false;
  const uint64_t back = highest - index;
  return back >= kWindowBits || ((window >> back) & 1U) != 0;
}

void accept(uint64_t& highest, uint64_t& window, uint64_t index) {
  if (index > highest) {
    const uint64_t shift = index - highest;
    window = (shift >= kWindowBits ? 0 : window << shift) | 1U;
    highest = index;
  } else {
    window |= uint64_t{1} << (highest - index);
  }
}

}  // namespace

// One key set (SRTP or SRTCP): a cipher context keyed once, an HMAC context keyed once (AES-CM), the salt.
struct SrtpContext::Keys {
  EVP_CIPHER_CTX* cipher = nullptr;
  EVP_MAC_CTX* mac = nullptr;
  std::array<uint8_t, 14> salt{};

  Keys(SrtpProfile profile, const SrtpSessionKeys& k) {
    const bool gcm = profile == SrtpProfile::AeadAes128Gcm;
    if (k.cipher_key.size() != 16 || k.salt.size() != (gcm ? 12U : 14U) || (!gcm && k.auth_key.size() != 20)) {
      throw common::Error(common::ErrorCode::BadRequest, "srtp: wrong session key sizes");
    }
    std::copy(k.salt.begin(), k.salt.end(), salt.begin());
    cipher = EVP_CIPHER_CTX_new();
    if (!cipher || EVP_CipherInit_ex(cipher, gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr(), nullptr,
                                     k.cipher_key.data(), nullptr, 1) != 1) {
      release();
      throw common::Error(common::ErrorCode::Internal, "srtp: cipher init failed");
    }
    if (!gcm) {
      EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      mac = hmac ? EVP_MAC_CTX_new(hmac) : nullptr;
      EVP_MAC_free(hmac);
      char digest[] = "SHA1";
      const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                   OSSL_PARAM_construct_end()};
      if (!mac || EVP_MAC_init(mac, k.auth_key.data(), k.auth_key.size(), params) != 1) {
        release();
        throw common::Error(common::ErrorCode::Internal, "srtp: hmac init failed");
      }
    }
  }
  ~Keys() { release(); }
  Keys(const Keys&) = delete;
  Keys& operator=(const Keys&) = delete;

  void release() {
    EVP_CIPHER_CTX_free(cipher);
    EVP_MAC_CTX_free(mac);
    cipher = nullptr;
    mac = nullptr;
  }

  // AES-GCM over `data` in place with two pieces of associated data; writes or checks the 16-byte tag.
  bool gcm(const uint8_t iv[12], std::span<const uint8_t> aad1, std::span<const uint8_t> aad2, uint8_t* data,
           size_t size, bool encrypt, uint8_t* tag) {
    int n = 0;
    if (EVP_CipherInit_ex(cipher, nullptr, nullptr, nullptr, iv, encrypt ? 1 : 0) != 1) return false;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, kGcmTag, tag) != 1) return false;
    if (EVP_CipherUpdate(cipher, nullptr, &n, aad1.data(), static_cast<int>(aad1.size())) != 1) return false;
    if (!aad2.empty() && EVP_CipherUpdate(cipher, nullptr, &n, aad2.data(), static_cast<int>(aad2.size())) != 1)
      return false;
    if (size > 0 && EVP_CipherUpdate(cipher, data, &n, data, static_cast<int>(size)) != 1) return false;
    if (EVP_CipherFinal_ex(cipher, data + size, &n) != 1) return false;
    return !encrypt || EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, kGcmTag, tag) == 1;
  }

  // AES-CM (counter mode) keystream XOR in place.
  bool ctr(const uint8_t iv[16], uint8_t* data, size_t size) {
    int n = 0;
    if (EVP_CipherInit_ex(cipher, nullptr, nullptr, nullptr, iv, 1) != 1) return false;
    return size == 0 || EVP_CipherUpdate(cipher, data, &n, data, static_cast<int>(size)) == 1;
  }

  bool hmac(std::span<const uint8_t> a, std::span<const uint8_t> b, uint8_t out[20]) {
    size_t n = 0;
    return EVP_MAC_init(mac, nullptr, 0, nullptr) == 1 && EVP_MAC_update(mac, a.data(), a.size()) == 1 &&
           EVP_MAC_update(mac, b.data(), b.size()) == 1 && EVP_MAC_final(mac, out, &n, 20) == 1;
  }

  // RFC 3711 4.1.1 / RFC 7714 8.1, 9.1 initialization vectors.
  void ctrIv(uint32_t ssrc, uint64_t index, uint8_t iv[16]) const {
    std::memset(iv, 0, 16);
    std::copy(salt.begin(), salt.end(), iv);
    for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
  }
  // SRTP: 00 00 || SSRC || ROC || SEQ; SRTCP: 00 00 || SSRC || 00 00 || index; both XOR the salt.
  void gcmIv(uint32_t ssrc, uint32_t word, uint16_t last, uint8_t iv[12]) const {
    iv[0] = iv[1] = 0;
    storeU32(iv + 2, ssrc);
    storeU32(iv + 6, word);
    storeU16(iv + 10, last);
    for (size_t i = 0; i < 12; ++i) iv[i] ^= salt[i];
  }
  void gcmRtpIv(uint32_t ssrc, uint64_t index, uint8_t iv[12]) const {
    gcmIv(ssrc, static_cast<uint32_t>(index >> 16), static_cast<uint16_t>(index), iv);
  }
  void gcmRtcpIv(uint32_t ssrc, uint32_t index, uint8_t iv[12]) const {
    gcmIv(ssrc, index >> 16, static_cast<uint16_t>(index), iv);  // 00 00 || index spans bytes 8..11
  }
};

SrtpSessionKeys SrtpContext::deriveSessionKeys(SrtpProfile profile, std::span<const uint8_t> master_key,
                                               std::span<const uint8_t> master_salt, bool rtcp) {
  if (master_key.size() != masterKeySize(profile) || master_salt.size() != masterSaltSize(profile)) {
    throw common::Error(common::ErrorCode::BadRequest, "srtp: wrong master key or salt size");
  }
  std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  auto prf = [&](uint8_t label, size_t size) {
    uint8_t iv[16] = {};
    std::copy(master_salt.begin(), master_salt.end(), iv);  // a 12-byte (GCM) salt is zero-padded to 14
    iv[7] ^= label;
    std::vector<uint8_t> out(size, 0);
    int n = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, master_key.data(), iv) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &n, out.data(), static_cast<int>(size)) != 1) {
      throw common::Error(common::ErrorCode::Internal, "srtp: key derivation failed");
    }
    return out;
  };
  const uint8_t base = rtcp ? 3 : 0;
  SrtpSessionKeys keys;
  keys.cipher_key = prf(base, 16);
  if (profile == SrtpProfile::AesCm128HmacSha1_80) keys.auth_key = prf(base + 1, 20);
  keys.salt = prf(base + 2, masterSaltSize(profile));
  return keys;
}

SrtpContext SrtpContext::fromKeyingMaterial(SrtpProfile profile, std::span<const uint8_t> material,
                                            bool client_write) {
  if (material.size() != keyingMaterialSize(profile)) {
    throw common::Error(common::ErrorCode::BadRequest, "srtp: wrong DTLS-SRTP keying material size");
  }
  const size_t key = masterKeySize(profile);
  const size_t salt = masterSaltSize(profile);
  return SrtpContext(profile, material.subspan(client_write ? 0 : key, key),
                     material.subspan(2 * key + (client_write ? 0 : salt), salt));
}

SrtpContext::SrtpContext(SrtpProfile profile, std::span<const uint8_t> master_key,
                         std::span<const uint8_t> master_salt)
    : SrtpContext(profile, deriveSessionKeys(profile, master_key, master_salt, false),
                  deriveSessionKeys(profile, master_key, master_salt, true)) {}

SrtpContext::SrtpContext(SrtpProfile profile, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp)
    : profile_(profile), rtp_(std::make_unique<Keys>(profile, rtp)), rtcp_(std::make_unique<Keys>(profile, rtcp)) {}

SrtpContext::~SrtpContext() = default;
SrtpContext::SrtpContext(SrtpContext&&) noexcept = default;
SrtpContext& SrtpContext::operator=(SrtpContext&&) noexcept = default;

template <class Stream>
Stream* SrtpContext::findStream(std::array<Stream, kMaxStreams>& streams, uint32_t ssrc) {
  Stream* free_slot = nullptr;
  for (auto& s : streams) {
    if (s.used && s.ssrc == ssrc) return &s;
    if (!s.used && !free_slot) free_slot = &s;
  }
  if (free_slot) free_slot->ssrc = ssrc;
  return free_slot;
}

SrtpStatus SrtpContext::cryptRtp(uint8_t* packet, size_t header_size, size_t payload_size, uint32_t ssrc,
                                 uint64_t index, bool encrypt, uint8_t* tag) {
  uint8_t* payload = packet + header_size;
  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    uint8_t iv[12];
    rtp_->gcmRtpIv(ssrc, index, iv);
    if (!rtp_->gcm(iv, std::span(packet, header_size), {}, payload, payload_size, encrypt, tag)) {
      return encrypt ? SrtpStatus::CryptoError : SrtpStatus::AuthFailed;
    }
    return SrtpStatus::Ok;
  }
  uint8_t iv[16];
  rtp_->ctrIv(ssrc, index, iv);
  return rtp_->ctr(iv, payload, payload_size) ? SrtpStatus::Ok : SrtpStatus::CryptoError;
}

SrtpStatus SrtpContext::protectRtp(std::span<uint8_t> buffer, size_t& length) {
  if (length > buffer.size()) return SrtpStatus::BadPacket;
  uint8_t* p = buffer.data();
  const auto header_size = rtpHeaderSize(p, length);
  if (!header_size) return SrtpStatus::BadPacket;
  const size_t overhead = rtpOverhead(profile_);
  if (buffer.size() - length < overhead) return SrtpStatus::NoRoom;
  const uint32_t ssrc = loadU32(p + 8);
  const uint16_t seq = loadU16(p + 2);
  RtpStream* s = findStream(out_rtp_, ssrc);
  if (!s) return SrtpStatus::TooManyStreams;
  uint64_t index = seq;
  if (s->used) {
    index = estimateIndex(s->highest, seq).value_or(seq);
    s->highest = std::max(s->highest, index);
  } else {
    s->used = true;
    s->highest = seq;
  }
  const SrtpStatus st = cryptRtp(p, *header_size, length - *header_size, ssrc, index, true, p + length);
  if (st != SrtpStatus::Ok) return st;
  if (profile_ == SrtpProfile::AesCm128HmacSha1_80) {
    uint8_t roc[4];
    storeU32(roc, static_cast<uint32_t>(index >> 16));
    uint8_t mac[20];
    if (!rtp_->hmac(std::span(p, length), roc, mac)) return SrtpStatus::CryptoError;
    std::memcpy(p + length, mac, kHmacTag);
  }
  length += overhead;
  return SrtpStatus::Ok;
}

SrtpStatus SrtpContext::protectRtp(std::span<const uint8_t> packet, std::span<uint8_t> out, size_t& out_length) {
  if (out.size() < packet.size()) return SrtpStatus::NoRoom;
  std::memcpy(out.data(), packet.data(), packet.size());
  out_length = packet.size();
  return protectRtp(out, out_length);
}

SrtpStatus SrtpContext::unprotectRtp(std::span<uint8_t> buffer, size_t& length) {
  if (length > buffer.size()) return SrtpStatus::BadPacket;
  uint8_t* p = buffer.data();
  const size_t overhead = rtpOverhead(profile_);
  const auto header_size = rtpHeaderSize(p, length);
  if (!header_size || length - *header_size < overhead) return SrtpStatus::BadPacket;
  const uint32_t ssrc = loadU32(p + 8);
  const uint16_t seq = loadU16(p + 2);
  RtpStream* s = findStream(in_rtp_, ssrc);
  if (!s) return SrtpStatus::TooManyStreams;
  uint64_t index = seq;
  if (s->used) {
    const auto estimate = estimateIndex(s->highest, seq);
    if (!estimate || seen(s->highest, s->window, *estimate)) return SrtpStatus::Replayed;
    index = *estimate;
  }
  const size_t payload_size = length - *header_size - overhead;
  if (profile_ == SrtpProfile::AesCm128HmacSha1_80) {
    uint8_t roc[4];
    storeU32(roc, static_cast<uint32_t>(index >> 16));
    uint8_t mac[20];
    if (!rtp_->hmac(std::span(p, length - kHmacTag), roc, mac)) return SrtpStatus::CryptoError;
    if (CRYPTO_memcmp(mac, p + length - kHmacTag, kHmacTag) != 0) return SrtpStatus::AuthFailed;
  }
  const SrtpStatus st = cryptRtp(p, *header_size, payload_size, ssrc, index, false, p + length - overhead);
  if (st != SrtpStatus::Ok) return st;
  if (!s->used) {
    s->used = true;
    s->highest = index;
    s->window = 1;
  } else {
    accept(s->highest, s->window, index);
  }
  length -= overhead;
  return SrtpStatus::Ok;
}

SrtpStatus SrtpContext::protectRtcp(std::span<uint8_t> buffer, size_t& length) {
  if (length > buffer.size() || length < kRtcpHeader) return SrtpStatus::BadPacket;
  uint8_t* p = buffer.data();
  if ((p[0] >> 6) != 2) return SrtpStatus::BadPacket;
  if (buffer.size() - length < rtcpOverhead(profile_)) return SrtpStatus::NoRoom;
  const uint32_t ssrc = loadU32(p + 4);
  RtcpStream* s = findStream(out_rtcp_, ssrc);
  if (!s) return SrtpStatus::TooManyStreams;
  s->used = true;
  s->index = (s->index + 1) & 0x7FFFFFFFU;
  uint8_t word[4];
  storeU32(word, 0x80000000U | s->index);
  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    uint8_t iv[12];
    rtcp_->gcmRtcpIv(ssrc, s->index, iv);
    if (!rtcp_->gcm(iv, std::span(p, kRtcpHeader), word, p + kRtcpHeader, length - kRtcpHeader, true, p + length))
      return SrtpStatus::CryptoError;
    std::memcpy(p + length + kGcmTag, word, 4);
    length += kGcmTag + kIndexWord;
    return SrtpStatus::Ok;
  }
  uint8_t iv[16];
  rtcp_->ctrIv(ssrc, s->index, iv);
  if (!rtcp_->ctr(iv, p + kRtcpHeader, length - kRtcpHeader)) return SrtpStatus::CryptoError;
  std::memcpy(p + length, word, 4);
  uint8_t mac[20];
  if (!rtcp_->hmac(std::span(p, length + kIndexWord), {}, mac)) return SrtpStatus::CryptoError;
  std::memcpy(p + length + kIndexWord, mac, kHmacTag);
  length += kIndexWord + kHmacTag;
  return SrtpStatus::Ok;
}

SrtpStatus SrtpContext::unprotectRtcp(std::span<uint8_t> buffer, size_t& length) {
  if (length > buffer.size()) return SrtpStatus::BadPacket;
  uint8_t* p = buffer.data();
  const size_t overhead = rtcpOverhead(profile_);
  if (length < kRtcpHeader + overhead || (p[0] >> 6) != 2) return SrtpStatus::BadPacket;
  const uint32_t ssrc = loadU32(p + 4);
  RtcpStream* s = findStream(in_rtcp_, ssrc);
  if (!s) return SrtpStatus::TooManyStreams;
  const bool gcm = profile_ == SrtpProfile::AeadAes128Gcm;
  const size_t word_at = gcm ? length - kIndexWord : length - kIndexWord - kHmacTag;
  const uint32_t word = loadU32(p + word_at);
  const bool encrypted = (word & 0x80000000U) != 0;
  const uint32_t index = word & 0x7FFFFFFFU;
  if (s->used && seen(s->index, s->window, index)) return SrtpStatus::Replayed;
  const size_t body = length - overhead - kRtcpHeader;  // the (encrypted) part after the first 8 bytes
  if (gcm) {
    uint8_t iv[12];
    rtcp_->gcmRtcpIv(ssrc, index, iv);
    uint8_t* tag = p + length - kIndexWord - kGcmTag;
    const std::span<const uint8_t> word_bytes(p + word_at, 4);
    const bool ok = encrypted
                        ? rtcp_->gcm(iv, std::span(p, kRtcpHeader), word_bytes, p + kRtcpHeader, body, false, tag)
                        : rtcp_->gcm(iv, std::span(p, kRtcpHeader + body), word_bytes, nullptr, 0, false, tag);
    if (!ok) return SrtpStatus::AuthFailed;
  } else {
    uint8_t mac[20];
    if (!rtcp_->hmac(std::span(p, length - kHmacTag), {}, mac)) return SrtpStatus::CryptoError;
    if (CRYPTO_memcmp(mac, p + length - kHmacTag, kHmacTag) != 0) return SrtpStatus::AuthFailed;
    if (encrypted) {
      uint8_t iv[16];
      rtcp_->ctrIv(ssrc, index, iv);
      if (!rtcp_->ctr(iv, p + kRtcpHeader, body)) return SrtpStatus::CryptoError;
    }
  }
  if (!s->used) {
    s->used = true;
    s->index = index;
    s->window = 1;
  } else {
    uint64_t highest = s->index;
    accept(highest, s->window, index);
    s->index = static_cast<uint32_t>(highest);
  }
  length -= overhead;
  return SrtpStatus::Ok;
}

}  // namespace airclass::media::webrtc
