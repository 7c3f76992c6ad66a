#include "media/ingest/srt_stream_id.hpp"

#include <optional>

#include "common/error.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;

constexpr std::string_view kAccessControlPrefix = "#!::";
constexpr std::string_view kShortPrefix = "publish:";
constexpr size_t kMaxTokenBytes = SrtStreamId::kMaxBytes;
constexpr size_t kMaxUserBytes = 128;

bool isRoomChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// A JWT: base64url characters and the '.' separators.
bool isValidToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return false;
  }
  for (char c : token) {
    if (!isRoomChar(c) && c != '.') {
      return false;
    }
  }
  return true;
}

bool isValidUser(std::string_view user) {
  if (user.size() > kMaxUserBytes) {
    return false;
  }
  for (char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {  // printable text only: it ends up in log lines
      return false;
    }
  }
  return true;
}

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorCode::BadRequest, "srt stream id: " + what);
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 32)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

void setOnce(std::optional<std::string_view>& slot, std::string_view key, std::string_view value) {
  if (slot) {
    bad("duplicate key '" + std::string(key) + "'");
  }
  slot = value;
}

SrtStreamId finish(std::string_view room, std::string_view token, std::string_view user) {
  if (!SrtStreamId::isValidRoom(room)) {
    bad("room must match [A-Za-z0-9_-]{1,64}, got '" + printable(room) + "'");
  }
  if (!isValidToken(token)) {
    bad(token.empty() ? "missing token" : "token is not a JWT");
  }
  if (!isValidUser(user)) {
    bad("user name too long or not printable");
  }
  return SrtStreamId{std::string(room), std::string(token), std::string(user)};
}

SrtStreamId parseAccessControl(std::string_view body) {
  std::optional<std::string_view> room, mode, token, user, host, type;
  while (true) {
    const size_t comma = body.find(',');
    const std::string_view item = body.substr(0, comma);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      bad("expected key=value, got '" + printable(item) + "'");
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "r") {
      setOnce(room, key, value);
    } else if (key == "m") {
      setOnce(mode, key, value);
    } else if (key == "s") {
      setOnce(token, key, value);
    } else if (key == "u") {
      setOnce(user, key, value);
    } else if (key == "h") {  // standard keys we accept and ignore
      setOnce(host, key, value);
    } else if (key == "t") {
      setOnce(type, key, value);
    } else {
      bad("unknown key '" + printable(key) + "' (expected r, m, s, u)");
    }
    if (comma == std::string_view::npos) {
      break;
    }
    body.remove_prefix(comma + 1);
  }
  if (type && *type != "stream") {
    bad("type t=" + printable(*type) + " not supported (only stream)");
  }
  // The SRT access-control default mode is "request" (playback), which is not offered over SRT.
  const std::string_view m = mode.value_or("request");
  if (m != "publish") {
    throw Error(ErrorCode::Unsupported,
                "srt stream id: mode m=" + printable(m) + " not supported: SRT is for publishing (m=publish); "
                "watch over WebRTC or HLS");
  }
  if (!room) {
    bad("missing room (r=)");
  }
  if (!token) {
    bad("missing token (s=)");
  }
  return finish(*room, *token, user.value_or(""));
}

}  // namespace

bool SrtStreamId::isValidRoom(std::string_view room) {
  if (room.empty() || room.size() > kMaxRoomBytes) {
    return false;
  }
  for (char c : room) {
    if (!isRoomChar(c)) {
      return false;
    }
  }
  return true;
}

SrtStreamId SrtStreamId::parse(std::string_view text) {
  if (text.size() > kMaxBytes) {
    throw Error(ErrorCode::TooLarge, "srt stream id: longer than " + std::to_string(kMaxBytes) + " bytes");
  }
  if (text.empty()) {
    bad("empty (expected #!::r=<room>,m=publish,s=<token> or publish:<room>:<token>)");
  }
  if (text.starts_with(kAccessControlPrefix)) {
    return parseAccessControl(text.substr(kAccessControlPrefix.size()));
  }
  if (text.starts_with("#!:")) {
    bad("only the simple #!:: access-control form is supported");
  }
  if (text.starts_with(kShortPrefix)) {
    const std::string_view rest = text.substr(kShortPrefix.size());
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      bad("short form is publish:<room>:<token>");
    }
    return finish(rest.substr(0, colon), rest.substr(colon + 1), "");
  }
  if (text.starts_with("request:") || text.starts_with("play:")) {
    throw Error(ErrorCode::Unsupported, "srt stream id: playback is not offered over SRT; watch over WebRTC or HLS");
  }
  bad("unrecognised format '" + printable(text) +
      "' (expected #!::r=<room>,m=publish,s=<token> or publish:<room>:<token>)");
}

}  // namespace airclass::media::ingest
