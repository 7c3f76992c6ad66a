// JWT HS256 tokens: mint and verify with the configured secret. Pure functions: any thread.
#pragma once
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
};

std::string mintToken(const Claims& claims, std::string_view secret);

// Verifies signature, algorithm and expiry; throws common::Error(ErrorCode::Unauthorized) with the reason.
Claims verifyToken(std::string_view token, std::string_view secret, int64_t now_unix_s);

// Role and room rules, one place.
bool mayPublish(const Claims& claims, std::string_view room);  // a teacher of that room
bool mayJoin(const Claims& claims, std::string_view room);     // its room, or any room for an admin
bool mayModerate(const Claims& claims, std::string_view room); // the room's teacher or an admin

}  // namespace airclass::common
