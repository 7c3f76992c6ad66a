#include "media/webrtc/stun_message.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "media/webrtc/byte_order.hpp"

namespace airclass::media::webrtc {
namespace {

using Result = codec::ParseResult<StunMessage>;

constexpr uint32_t kFingerprintXor = 0x5354554E;
constexpr size_t kMaxUsername = 513;     // RFC 8489 14.3
constexpr size_t kMaxSoftware = 763;     // RFC 8489 14.14
constexpr size_t kMaxReason = 763;       // RFC 8489 14.8
constexpr size_t kMaxUnknown = 16;

constexpr std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = makeCrcTable();

size_t padded(size_t length) { return (length + 3) & ~size_t{3}; }

uint16_t encodeType(uint16_t method, StunClass cls) {
  const auto c = static_cast<uint16_t>(cls);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                               ((c & 1U) << 4) | ((c & 2U) << 7));
}

void hmacSha1(std::string_view key, std::span<const uint8_t> data, uint8_t out[20]) {
  unsigned int length = 20;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &length);
}

class Writer {
 public:
  explicit Writer(uint8_t padding) : padding_(padding) {}
  std::vector<uint8_t>& bytes() { return out_; }
  void attribute(uint16_t type, std::span<const uint8_t> value) {
    const size_t at = out_.size();
    out_.resize(at + 4 + padded(value.size()), padding_);
    storeU16(&out_[at], type);
    storeU16(&out_[at + 2], static_cast<uint16_t>(value.size()));
    std::copy(value.begin(), value.end(), out_.begin() + static_cast<std::ptrdiff_t>(at + 4));
  }
  void attribute(uint16_t type, std::string_view value) {
    attribute(type, std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  }
  void setLength(size_t body) { storeU16(&out_[2], static_cast<uint16_t>(body)); }

 private:
  std::vector<uint8_t> out_;
  uint8_t padding_;
};

}  // namespace

uint32_t crc32(std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFU;
  for (uint8_t b : data) c = kCrcTable[(c ^ b) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

bool StunMessage::looksLikeStun(std::span<const uint8_t> d) {
  if (d.size() < kHeaderSize || (d[0] & 0xC0) != 0) return false;
  const size_t length = loadU16(&d[2]);
  return length % 4 == 0 && length + kHeaderSize == d.size() && loadU32(&d[4]) == kMagicCookie;
}

Result StunMessage::parse(std::span<const uint8_t> d) {
  if (d.size() > kMaxSize) return Result::failure("stun: datagram larger than " + std::to_string(kMaxSize));
  if (!looksLikeStun(d)) return Result::failure("stun: not a STUN message (header, cookie or length)");
  StunMessage m;
  const uint16_t type = loadU16(&d[0]);
  m.method = static_cast<uint16_t>(((type & 0x3E00) >> 2) | ((type & 0x00E0) >> 1) | (type & 0x000F));
  m.message_class = static_cast<StunClass>(((type & 0x0100) >> 7) | ((type & 0x0010) >> 4));
  std::copy(d.begin() + 8, d.begin() + 20, m.transaction_id.begin());

  size_t pos = kHeaderSize;
  while (pos < d.size()) {
    if (d.size() - pos < 4) return Result::failure("stun: truncated attribute header");
    const uint16_t at = loadU16(&d[pos]);
    const size_t length = loadU16(&d[pos + 2]);
    if (padded(length) > d.size() - pos - 4) return Result::failure("stun: attribute overruns the message");
    const uint8_t* v = &d[pos + 4];
    if (m.fingerprint_offset_ != 0) return Result::failure("stun: attribute after FINGERPRINT");
    if (at == kFingerprint) {
      if (length != 4) return Result::failure("stun: bad FINGERPRINT length");
      m.fingerprint_offset_ = pos;
    } else if (m.integrity_offset_ != 0) {
      // RFC 8489 14.5: attributes after MESSAGE-INTEGRITY (but FINGERPRINT) are ignored.
    } else {
      switch (at) {
        case kUsername:
          if (length > kMaxUsername) return Result::failure("stun: USERNAME too long");
          if (!m.username) m.username.emplace(reinterpret_cast<const char*>(v), length);
          break;
        case kSoftware:
          if (length > kMaxSoftware) return Result::failure("stun: SOFTWARE too long");
          if (!m.software) m.software.emplace(reinterpret_cast<const char*>(v), length);
          break;
        case kMessageIntegrity:
          if (length != 20) return Result::failure("stun: bad MESSAGE-INTEGRITY length");
          m.integrity_offset_ = pos;
          break;
        case kPriority:
          if (length != 4) return Result::failure("stun: bad PRIORITY length");
          m.priority = loadU32(v);
          break;
        case kUseCandidate:
          if (length != 0) return Result::failure("stun: bad USE-CANDIDATE length");
          m.use_candidate = true;
          break;
        case kIceControlled:
        case kIceControlling:
          if (length != 8) return Result::failure("stun: bad ICE-CONTROLLED/CONTROLLING length");
          (at == kIceControlled ? m.ice_controlled : m.ice_controlling) = loadU64(v);
          break;
        case kErrorCode: {
          if (length < 4 || length > 4 + kMaxReason) return Result::failure("stun: bad ERROR-CODE length");
          const int code = (v[2] & 0x07) * 100 + v[3];
          if (v[3] >= 100 || code < 300 || code > 699) return Result::failure("stun: bad ERROR-CODE value");
          m.error_code = StunErrorCode{code, std::string(reinterpret_cast<const char*>(v + 4), length - 4)};
          break;
        }
        case kXorMappedAddress: {
          if (length < 4) return Result::failure("stun: bad XOR-MAPPED-ADDRESS length");
          StunAddress a;
          a.port = static_cast<uint16_t>(loadU16(v + 2) ^ (kMagicCookie >> 16));
          uint8_t mask[16];
          storeU32(mask, kMagicCookie);
          std::copy(m.transaction_id.begin(), m.transaction_id.end(), mask + 4);
          if (v[1] == 0x01 && length == 8) {
            for (size_t i = 0; i < 4; ++i) a.ip[i] = v[4 + i] ^ mask[i];
          } else if (v[1] == 0x02 && length == 20) {
            a.ipv6 = true;
            for (size_t i = 0; i < 16; ++i) a.ip[i] = v[4 + i] ^ mask[i];
          } else {
            return Result::failure("stun: bad XOR-MAPPED-ADDRESS family or length");
          }
          m.xor_mapped_address = a;
          break;
        }
        default:
          if (at < 0x8000 && m.unknown_required.size() < kMaxUnknown) m.unknown_required.push_back(at);
          break;
      }
    }
    pos += 4 + padded(length);
  }
  m.raw_.assign(d.begin(), d.end());
  return Result::success(std::move(m));
}

bool StunMessage::verifyIntegrity(std::string_view key) const {
  if (integrity_offset_ == 0) return false;
  std::vector<uint8_t> covered(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(integrity_offset_));
  storeU16(&covered[2], static_cast<uint16_t>(integrity_offset_ + 24 - kHeaderSize));
  uint8_t mac[20];
  hmacSha1(key, covered, mac);
  return CRYPTO_memcmp(mac, &raw_[integrity_offset_ + 4], 20) == 0;
}

bool StunMessage::verifyFingerprint() const {
  if (fingerprint_offset_ == 0) return false;
  const uint32_t expected = crc32(std::span(raw_.data(), fingerprint_offset_)) ^ kFingerprintXor;
  return loadU32(&raw_[fingerprint_offset_ + 4]) == expected;
}

bool StunMessage::isIceCheckFor(std::string_view local_ufrag, std::string_view local_pwd) const {
  if (method != kBindingMethod || message_class != StunClass::Request || !username || local_ufrag.empty()) {
    return false;
  }
  const std::string_view user = *username;
  return user.size() > local_ufrag.size() + 1 && user.starts_with(local_ufrag) && user[local_ufrag.size()] == ':' &&
         verifyFingerprint() && verifyIntegrity(local_pwd);
}

StunMessage StunMessage::bindingSuccess(const StunMessage& request, const StunAddress& source) {
  StunMessage response;
  response.method = kBindingMethod;
  response.message_class = StunClass::SuccessResponse;
  response.transaction_id = request.transaction_id;
  response.xor_mapped_address = source;
  return response;
}

std::vector<uint8_t> StunMessage::serialize(std::string_view integrity_key, bool fingerprint,
                                            uint8_t padding) const {
  Writer w(padding);
  auto& out = w.bytes();
  out.resize(kHeaderSize);
  storeU16(&out[0], encodeType(method, message_class));
  storeU32(&out[4], kMagicCookie);
  std::copy(transaction_id.begin(), transaction_id.end(), out.begin() + 8);

  if (software) w.attribute(kSoftware, *software);
  if (xor_mapped_address) {
    const auto& a = *xor_mapped_address;
    uint8_t value[20] = {0, static_cast<uint8_t>(a.ipv6 ? 0x02 : 0x01)};
    storeU16(value + 2, static_cast<uint16_t>(a.port ^ (kMagicCookie >> 16)));
    uint8_t mask[16];
    storeU32(mask, kMagicCookie);
    std::copy(transaction_id.begin(), transaction_id.end(), mask + 4);
    const size_t ip_size = a.ipv6 ? 16 : 4;
    for (size_t i = 0; i < ip_size; ++i) value[4 + i] = a.ip[i] ^ mask[i];
    w.attribute(kXorMappedAddress, std::span<const uint8_t>(value, 4 + ip_size));
  }
  if (error_code) {
    std::vector<uint8_t> value(4);
    value[2] = static_cast<uint8_t>(error_code->code / 100);
    value[3] = static_cast<uint8_t>(error_code->code % 100);
    const auto reason = std::string_view(error_code->reason).substr(0, kMaxReason);
    value.insert(value.end(), reason.begin(), reason.end());
    w.attribute(kErrorCode, value);
  }
  if (priority) {
    uint8_t value[4];
    storeU32(value, *priority);
    w.attribute(kPriority, value);
  }
  if (ice_controlled || ice_controlling) {
    uint8_t value[8];
    storeU64(value, ice_controlled ? *ice_controlled : *ice_controlling);
    w.attribute(ice_controlled ? kIceControlled : kIceControlling, value);
  }
  if (use_candidate) w.attribute(kUseCandidate, std::span<const uint8_t>());
  if (username) w.attribute(kUsername, std::string_view(*username).substr(0, kMaxUsername));

  if (!integrity_key.empty()) {
    w.setLength(out.size() + 24 - kHeaderSize);
    uint8_t mac[20];
    hmacSha1(integrity_key, out, mac);
    w.attribute(kMessageIntegrity, mac);
  }
  if (fingerprint) {
    w.setLength(out.size() + 8 - kHeaderSize);
    uint8_t value[4];
    storeU32(value, crc32(out) ^ kFingerprintXor);
    w.attribute(kFingerprint, value);
  }
  w.setLength(out.size() - kHeaderSize);
  return std::move(out);
}

}  // namespace airclass::media::webrtc
