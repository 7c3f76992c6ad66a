#include "common/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.hpp"

namespace airclass::common {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding (RFC 7515 section 2).
std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

// Strict decoder: no padding, no whitespace, unused trailing bits must be zero (one encoding per value).
bool unbase64url(std::string_view text, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    size_t v = kAlphabet.find(ch);
    if (v == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return bits < 6 && (acc & ((1u << bits) - 1)) == 0;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), mac.data(), &len)) {
    throw Error(ErrorCode::Internal, "token: HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

[[noreturn]] void reject(const std::string& reason) { throw Error(ErrorCode::Unauthorized, "token: " + reason); }

nlohmann::json parseJsonPart(std::string_view part, const char* what) {
  std::string raw;
  if (!unbase64url(part, raw)) reject(std::string(what) + " is not base64url");
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) reject(std::string(what) + " is not a JSON object");
  return j;
}

const std::string* stringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

bool intField(const nlohmann::json& j, const char* key, int64_t& out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    out = it->get<int64_t>();
    return true;
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(it->get<uint64_t>());
    return true;
  }
  return false;
}

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::Teacher: return "teacher";
    case Role::Student: return "student";
    case Role::Admin: return "admin";
  }
  return "student";
}

std::optional<Role> parseRole(std::string_view text) {
  if (text == "teacher") return Role::Teacher;
  if (text == "student") return Role::Student;
  if (text == "admin") return Role::Admin;
  return std::nullopt;
}

std::string mintToken(const Claims& claims, std::string_view secret) {
  if (secret.empty()) throw Error(ErrorCode::Config, "token: no secret configured ([auth] secret)");
  int64_t iat = claims.iat;
  if (iat == 0) {
    iat = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  nlohmann::json payload = {{"sub", claims.sub},   {"name", claims.name}, {"role", toString(claims.role)},
                            {"room", claims.room}, {"exp", claims.exp},   {"iat", iat}};
  std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload.dump());
  return signing_input + "." + base64url(hmacSha256(secret, signing_input));
}

Claims verifyToken(std::string_view token, std::string_view secret, int64_t now_unix_s) {
  if (token.size() > kMaxTokenBytes) reject("longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  if (secret.empty()) reject("no secret configured");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    reject("expected three dot-separated parts");
  }

  nlohmann::json header = parseJsonPart(token.substr(0, dot1), "header");
  const std::string* alg = stringField(header, "alg");
  if (!alg || *alg != "HS256") reject("algorithm must be HS256");
  if (header.contains("crit")) reject("unsupported critical header parameters");

  // Compare the canonical encodings: the strict decoder would accept nothing else anyway.
  std::string_view signature = token.substr(dot2 + 1);
  std::string expected = base64url(hmacSha256(secret, token.substr(0, dot2)));
  if (signature.size() != expected.size() || CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    reject("bad signature");
  }

  nlohmann::json payload = parseJsonPart(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  Claims claims;
  if (!intField(payload, "exp", claims.exp)) reject("missing or invalid exp");
  if (claims.exp <= now_unix_s) reject("expired");
  if (payload.contains("iat") && !intField(payload, "iat", claims.iat)) reject("invalid iat");
  const std::string* sub = stringField(payload, "sub");
  if (!sub || sub->empty()) reject("missing sub");
  claims.sub = *sub;
  const std::string* role = stringField(payload, "role");
  std::optional<Role> parsed = role ? parseRole(*role) : std::nullopt;
  if (!parsed) reject("missing or unknown role");
  claims.role = *parsed;
  if (payload.contains("name")) {
    const std::string* name = stringField(payload, "name");
    if (!name) reject("invalid name");
    claims.name = *name;
  }
  if (payload.contains("room")) {
    const std::string* room = stringField(payload, "room");
    if (!room) reject("invalid room");
    claims.room = *room;
  }
  return claims;
}

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  int64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: unit = 0;
    }
    if (unit != 0) text.remove_suffix(1);
    else unit = 1;
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  constexpr int64_t kTenYears = 10LL * 366 * 86400;
  if (n <= 0 || n > kTenYears / unit) return std::nullopt;
  return std::chrono::seconds(n * unit);
}

std::string randomSecret(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    throw Error(ErrorCode::Internal, "secret: RAND_bytes failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

bool mayPublish(const Claims& claims, std::string_view room) {
  return claims.role == Role::Teacher && !room.empty() && claims.room == room;
}

bool mayJoin(const Claims& claims, std::string_view room) {
  return claims.role == Role::Admin || (!room.empty() && claims.room == room);
}

bool mayModerate(const Claims& claims, std::string_view room) {
  return claims.role == Role::Admin || mayPublish(claims, room);
}

}  // namespace airclass::common
