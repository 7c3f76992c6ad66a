// A STUN message (RFC 8489) with the attributes ICE (RFC 8445) uses: parse and verify what a browser sends,
// build the Binding success response an ICE-lite server returns. Bounded and I/O-free; any thread.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/codec/parse_result.hpp"

namespace airclass::media::webrtc {

enum class StunClass : uint8_t { Request, Indication, SuccessResponse, ErrorResponse };

// A transport address as XOR-MAPPED-ADDRESS carries it (stored un-XORed).
struct StunAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
  uint16_t port = 0;
  bool operator==(const StunAddress&) const = default;
};

struct StunErrorCode {
  int code = 0;  // 300..699
  std::string reason;
  bool operator==(const StunErrorCode&) const = default;
};

class StunMessage {
 public:
  using TransactionId = std::array<uint8_t, 12>;
  static constexpr size_t kHeaderSize = 20;
  static constexpr size_t kMaxSize = 1500;  // one datagram on a typical path; larger is rejected
  static constexpr uint32_t kMagicCookie = 0x2112A442;
  static constexpr uint16_t kBindingMethod = 0x001;

  // Attribute types (RFC 8489 18.3, RFC 8445 16.1).
  static constexpr uint16_t kUsername = 0x0006;
  static constexpr uint16_t kMessageIntegrity = 0x0008;
  static constexpr uint16_t kErrorCode = 0x0009;
  static constexpr uint16_t kXorMappedAddress = 0x0020;
  static constexpr uint16_t kPriority = 0x0024;
  static constexpr uint16_t kUseCandidate = 0x0025;
  static constexpr uint16_t kSoftware = 0x8022;
  static constexpr uint16_t kFingerprint = 0x8028;
  static constexpr uint16_t kIceControlled = 0x8029;
  static constexpr uint16_t kIceControlling = 0x802A;

  // True when the first bytes can only be a STUN message (RFC 8489 6: zero top bits, magic cookie,
  // length a multiple of 4 that matches the datagram).
  static bool looksLikeStun(std::span<const uint8_t> datagram);

  // Parses one datagram. Rejects wrong framing, truncated or oversized attributes, malformed known attributes,
  // and anything but FINGERPRINT after MESSAGE-INTEGRITY (other attributes there are skipped, RFC 8489 14.5).
  static codec::ParseResult<StunMessage> parse(std::span<const uint8_t> datagram);

  // The Binding success response an ICE-lite agent sends to a verified request: same transaction id,
  // XOR-MAPPED-ADDRESS of the request's source; serialize it with our ice-pwd and a fingerprint.
  static StunMessage bindingSuccess(const StunMessage& request, const StunAddress& source);

  // Wire bytes. With a non-empty `integrity_key` (the short-term password) MESSAGE-INTEGRITY is added, then
  // FINGERPRINT if asked. Attribute padding is filled with `padding` (RFC 5769 vectors use spaces).
  std::vector<uint8_t> serialize(std::string_view integrity_key, bool fingerprint, uint8_t padding = 0) const;

  // Checks against the bytes this message was parsed from. False when the attribute is absent.
  bool verifyIntegrity(std::string_view key) const;
  bool verifyFingerprint() const;
  // An ICE connectivity check addressed to us (RFC 8445 7.3): a Binding request whose USERNAME is
  // "<local_ufrag>:<remote ufrag>", with a valid MESSAGE-INTEGRITY under our password and a valid FINGERPRINT.
  bool isIceCheckFor(std::string_view local_ufrag, std::string_view local_pwd) const;
  bool hasIntegrity() const { return integrity_offset_ != 0; }
  bool hasFingerprint() const { return fingerprint_offset_ != 0; }

  uint16_t method = kBindingMethod;
  StunClass message_class = StunClass::Request;
  TransactionId transaction_id{};
  std::optional<std::string> username;
  std::optional<std::string> software;
  std::optional<uint32_t> priority;
  bool use_candidate = false;
  std::optional<uint64_t> ice_controlling;  // tie-breaker
  std::optional<uint64_t> ice_controlled;
  std::optional<StunAddress> xor_mapped_address;
  std::optional<StunErrorCode> error_code;
  // Comprehension-required attributes (type < 0x8000) we do not know; a request with any gets a 420.
  std::vector<uint16_t> unknown_required;

 private:
  std::vector<uint8_t> raw_;          // the parsed datagram, kept for integrity and fingerprint checks
  size_t integrity_offset_ = 0;       // offset of the MESSAGE-INTEGRITY attribute header, 0 when absent
  size_t fingerprint_offset_ = 0;
};

// CRC-32 (ISO-HDLC, as zlib) over `data`; STUN's FINGERPRINT is this XOR 0x5354554E.
uint32_t crc32(std::span<const uint8_t> data);

}  // namespace airclass::media::webrtc
