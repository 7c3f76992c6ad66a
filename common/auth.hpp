// JWT HS256 tokens: mint and verify with the configured secret. Pure functions: any thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace airclass::common {

enum class Role { Teacher, Student, Admin };
std::string_view toString(Role role);
std::optional<Role> parseRole(std::string_view text);

struct Claims {
  std::string sub;   // user id
  std::string name;  // display name
  Role role = Role::Student;
  std::string room;  // the room the token is for; admins may leave it empty (every room)
  int64_t exp = 0;   // unix seconds
  int64_t iat = 0;   // unix seconds; mintToken uses the current time when 0
};

std::string mintToken(const Claims& claims, std::string_view secret);

// Verifies signature, algorithm and expiry; throws common::Error(ErrorCode::Unauthorized) with the reason.
// Tokens longer than kMaxTokenBytes are rejected before any work.
inline constexpr size_t kMaxTokenBytes = 4096;
Claims verifyToken(std::string_view token, std::string_view secret, int64_t now_unix_s);

// A duration like "2h", "30m", "90s", "1d" or plain seconds "600"; nullopt unless positive and at most 10 years.
std::optional<std::chrono::seconds> parseDuration(std::string_view text);

// A fresh random HS256 secret: `bytes` random bytes (RAND_bytes) as lowercase hex. For demo mode.
std::string randomSecret(size_t bytes = 32);

// Role and room rules, one place.
bool mayPublish(const Claims& claims, std::string_view room);  // a teacher of that room
bool mayJoin(const Claims& claims, std::string_view room);     // its room, or any room for an admin
bool mayModerate(const Claims& claims, std::string_view room); // the room's teacher or an admin

}  // namespace airclass::common
