#include "common/auth.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <string>

#include "common/error.hpp"

namespace airclass::common {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "test-secret-0123456789";

// base64url via OpenSSL's plain base64 encoder, independent of the code under test.
std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string unb64url(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  size_t pad = (4 - s.size() % 4) % 4;
  s.append(pad, '=');
  std::string out(s.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

// A token with arbitrary header and payload JSON, signed independently of mintToken.
std::string sign(std::string_view header, std::string_view payload, std::string_view secret = kSecret) {
  std::string input = b64url(header) + "." + b64url(payload);
  return input + "." + b64url(hmac(secret, input));
}

Claims teacher() {
  Claims c;
  c.sub = "u-1";
  c.name = "Ms. \"Quote\" Lee";
  c.role = Role::Teacher;
  c.room = "math-7";
  c.exp = kNow + 3600;
  c.iat = kNow;
  return c;
}

// The reason verifyToken gives, or "ok".
std::string reason(std::string_view token, std::string_view secret = kSecret, int64_t now = kNow) {
  try {
    verifyToken(token, secret, now);
    return "ok";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthorized);
    return e.what();
  }
}

TEST(Auth, RoundTrip) {
  std::string token = mintToken(teacher(), kSecret);
  Claims c = verifyToken(token, kSecret, kNow);
  EXPECT_EQ(c.sub, "u-1");
  EXPECT_EQ(c.name, "Ms. \"Quote\" Lee");
  EXPECT_EQ(c.role, Role::Teacher);
  EXPECT_EQ(c.room, "math-7");
  EXPECT_EQ(c.exp, kNow + 3600);
  EXPECT_EQ(c.iat, kNow);
}

TEST(Auth, MintedSignatureMatchesIndependentHmac) {
  std::string token = mintToken(teacher(), kSecret);
  size_t dot2 = token.rfind('.');
  EXPECT_EQ(token.substr(dot2 + 1), b64url(hmac(kSecret, token.substr(0, dot2))));
  EXPECT_EQ(unb64url(token.substr(0, token.find('.'))), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(token.find('='), std::string::npos);  // no padding
}

TEST(Auth, MintUsesCurrentTimeWhenIatIsZero) {
  Claims c = teacher();
  c.iat = 0;
  c.exp = 4'000'000'000;
  Claims back = verifyToken(mintToken(c, kSecret), kSecret, kNow);
  EXPECT_GT(back.iat, kNow);
}

// A token made by Python's hmac/base64 (see the commit): interoperates with other JWT libraries.
TEST(Auth, KnownVectorFromAnotherImplementation) {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsIm5hbWUiOiJBbm4gTGVlIiwicm9sZSI6InRlYWNoZXIiLCJyb29tIjoi"
      "bWF0aC03IiwiZXhwIjoyMDAwMDAwMDAwLCJpYXQiOjE3MDAwMDAwMDB9.cyexYM9BDKSOgnlzvPHyhulYmzsB3DqHLnmME1Ja8V8";
  Claims c = verifyToken(token, "s3cret-key", kNow);
  EXPECT_EQ(c.sub, "u1");
  EXPECT_EQ(c.name, "Ann Lee");
  EXPECT_EQ(c.role, Role::Teacher);
  EXPECT_EQ(c.room, "math-7");
  EXPECT_EQ(c.exp, 2'000'000'000);
  EXPECT_EQ(c.iat, 1'700'000'000);
  EXPECT_EQ(reason(token, "s3cret-kez"), "token: bad signature");
}

// RFC 7515 appendix A.1 (HS256 with a JWK key) and the jwt.io sample: the signature checks pass, so the
// rejection comes from the claims AirClass requires, not from the signature.
TEST(Auth, Rfc7515AndJwtIoVectors) {
  const std::string key =
      unb64url("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_EQ(key.size(), 64u);
  const std::string rfc =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl"
      "LmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  EXPECT_EQ(reason(rfc, key, 1300819379), "token: missing sub");
  EXPECT_EQ(reason(rfc, key, 1300819380), "token: expired");
  EXPECT_EQ(reason(rfc, "other key", 1300819379), "token: bad signature");

  const std::string jwtio =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
      "fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  EXPECT_EQ(reason(jwtio, "your-256-bit-secret"), "token: missing or invalid exp");
  EXPECT_EQ(reason(jwtio, "your-256-bit-secreT"), "token: bad signature");
}

TEST(Auth, Expired) {
  Claims c = teacher();
  c.exp = kNow;
  EXPECT_EQ(reason(mintToken(c, kSecret)), "token: expired");
  c.exp = kNow + 1;
  EXPECT_EQ(reason(mintToken(c, kSecret)), "ok");
}

TEST(Auth, TamperedPayload) {
  Claims student = teacher();
  student.role = Role::Student;
  std::string token = mintToken(student, kSecret);
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string payload = unb64url(token.substr(dot1 + 1, dot2 - dot1 - 1));
  payload.replace(payload.find("student"), 7, "admin");
  std::string forged = token.substr(0, dot1 + 1) + b64url(payload) + token.substr(dot2);
  EXPECT_EQ(reason(forged), "token: bad signature");
}

TEST(Auth, TamperedSignature) {
  std::string token = mintToken(teacher(), kSecret);
  // Every change of the last character must fail, including ones that only touch the unused low bits.
  for (char c : std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")) {
    std::string t = token;
    if (t.back() == c) continue;
    t.back() = c;
    EXPECT_EQ(reason(t), "token: bad signature") << t;
  }
  EXPECT_EQ(reason(token + "A"), "token: bad signature");
  EXPECT_EQ(reason(token.substr(0, token.size() - 1)), "token: bad signature");
  EXPECT_EQ(reason(token + "="), "token: bad signature");
  EXPECT_EQ(reason(mintToken(teacher(), "another secret")), "token: bad signature");
}

TEST(Auth, RejectsOtherAlgorithms) {
  const std::string payload = R"({"sub":"u","role":"admin","exp":2000000000})";
  std::string none = b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(payload) + ".";
  EXPECT_EQ(reason(none), "token: algorithm must be HS256");
  EXPECT_EQ(reason(sign(R"({"alg":"HS512"})", payload)), "token: algorithm must be HS256");
  EXPECT_EQ(reason(sign(R"({"alg":"hs256"})", payload)), "token: algorithm must be HS256");
  EXPECT_EQ(reason(sign(R"({"typ":"JWT"})", payload)), "token: algorithm must be HS256");
  EXPECT_EQ(reason(sign(R"({"alg":"HS256","crit":["b64"]})", payload)),
            "token: unsupported critical header parameters");
  EXPECT_EQ(reason(sign(R"({"alg":"HS256"})", payload)), "ok");
}

TEST(Auth, RejectsGarbage) {
  for (std::string_view t : {"", ".", "..", "...", "a.b.c", "not a token", "a.b", "a.b.c.d", "%%%.e30.x",
                             "e30.e30.", "W10.e30.x", "bnVsbA.e30.x"}) {
    std::string r = reason(t);
    EXPECT_EQ(r.rfind("token: ", 0), 0u) << t << " -> " << r;
    EXPECT_NE(r, "ok") << t;
  }
  EXPECT_EQ(reason("a.b"), "token: expected three dot-separated parts");
  EXPECT_EQ(reason("%%%.e30.x"), "token: header is not base64url");
  EXPECT_EQ(reason("W10.e30.x"), "token: header is not a JSON object");  // []
  EXPECT_EQ(reason(sign(R"({"alg":"HS256"})", "[1,2]")), "token: payload is not a JSON object");
  EXPECT_EQ(reason(sign(R"({"alg":"HS256"})", "{bad json")), "token: payload is not a JSON object");
}

TEST(Auth, RejectsOversizedBeforeWork) {
  Claims c = teacher();
  c.name = std::string(5000, 'x');
  EXPECT_EQ(reason(mintToken(c, kSecret)), "token: longer than 4096 bytes");
  EXPECT_EQ(reason(std::string(kMaxTokenBytes + 1, '.')), "token: longer than 4096 bytes");
}

TEST(Auth, RequiresClaims) {
  const std::string h = R"({"alg":"HS256"})";
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student"})")), "token: missing or invalid exp");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","exp":"2000000000"})")), "token: missing or invalid exp");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","exp":2e9})")), "token: missing or invalid exp");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","exp":18446744073709551615})")),
            "token: missing or invalid exp");
  EXPECT_EQ(reason(sign(h, R"({"role":"student","exp":2000000000})")), "token: missing sub");
  EXPECT_EQ(reason(sign(h, R"({"sub":"","role":"student","exp":2000000000})")), "token: missing sub");
  EXPECT_EQ(reason(sign(h, R"({"sub":7,"role":"student","exp":2000000000})")), "token: missing sub");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","exp":2000000000})")), "token: missing or unknown role");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"root","exp":2000000000})")), "token: missing or unknown role");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","room":5,"exp":2000000000})")), "token: invalid room");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","name":null,"exp":2000000000})")), "token: invalid name");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","iat":"x","exp":2000000000})")), "token: invalid iat");
  EXPECT_EQ(reason(sign(h, R"({"sub":"u","role":"student","exp":2000000000})")), "ok");
}

TEST(Auth, EmptySecretIsRefused) {
  EXPECT_EQ(reason(mintToken(teacher(), kSecret), ""), "token: no secret configured");
  EXPECT_THROW(mintToken(teacher(), ""), Error);
}

TEST(Auth, RoleAndRoomRules) {
  Claims t = teacher();  // teacher of math-7
  Claims s = t;
  s.role = Role::Student;
  Claims a = t;
  a.role = Role::Admin;
  a.room = "";

  EXPECT_TRUE(mayPublish(t, "math-7"));
  EXPECT_FALSE(mayPublish(t, "art-1"));
  EXPECT_FALSE(mayPublish(s, "math-7"));
  EXPECT_FALSE(mayPublish(a, "math-7"));

  EXPECT_TRUE(mayJoin(s, "math-7"));
  EXPECT_FALSE(mayJoin(s, "art-1"));
  EXPECT_TRUE(mayJoin(t, "math-7"));
  EXPECT_TRUE(mayJoin(a, "art-1"));

  EXPECT_TRUE(mayModerate(t, "math-7"));
  EXPECT_FALSE(mayModerate(t, "art-1"));
  EXPECT_FALSE(mayModerate(s, "math-7"));
  EXPECT_TRUE(mayModerate(a, "art-1"));

  Claims roomless = s;  // a student token without a room joins nothing, not the "" room
  roomless.room = "";
  EXPECT_FALSE(mayJoin(roomless, ""));
}

TEST(Auth, Roles) {
  for (Role r : {Role::Teacher, Role::Student, Role::Admin}) EXPECT_EQ(parseRole(toString(r)), r);
  EXPECT_FALSE(parseRole("Teacher"));
  EXPECT_FALSE(parseRole(""));
}

TEST(Auth, ParseDuration) {
  using std::chrono::seconds;
  EXPECT_EQ(parseDuration("2h"), seconds(7200));
  EXPECT_EQ(parseDuration("30m"), seconds(1800));
  EXPECT_EQ(parseDuration("90s"), seconds(90));
  EXPECT_EQ(parseDuration("1d"), seconds(86400));
  EXPECT_EQ(parseDuration("600"), seconds(600));
  for (std::string_view bad : {"", "h", "0", "0h", "-5m", "2x", "1.5h", " 2h", "2h ", "99999999999999999999",
                               "4000d", "2hh"}) {
    EXPECT_FALSE(parseDuration(bad)) << bad;
  }
}

TEST(Auth, RandomSecret) {
  std::string a = randomSecret(), b = randomSecret();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(randomSecret(4).size(), 8u);
}

}  // namespace
}  // namespace airclass::common
