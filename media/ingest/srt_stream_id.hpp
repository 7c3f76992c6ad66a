// The SRT stream id of a publisher: which room, with which token. Parsed from untrusted bytes; any thread.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace airclass::media::ingest {

// Accepted forms (anything else is refused with a clear common::Error):
//   SRT access control: "#!::r=<room>,m=publish,s=<JWT>[,u=<user>]"  (keys in any order; also h, t=stream)
//   short form:         "publish:<room>:<JWT>"
// Only publishing is offered over SRT; m=request (playback) is refused.
struct SrtStreamId {
  static constexpr size_t kMaxBytes = 512;  // SRTO_STREAMID's own limit
  static constexpr size_t kMaxRoomBytes = 64;

  std::string room;   // [A-Za-z0-9_-]{1,64}
  std::string token;  // the JWT (base64url segments joined by '.'), not verified here
  std::string user;   // the optional `u` key, for logs

  // Throws common::Error: TooLarge (over kMaxBytes), Unsupported (a mode other than publish),
  // BadRequest (anything else malformed). The message names the problem.
  static SrtStreamId parse(std::string_view text);
  // True for a valid room id: [A-Za-z0-9_-]{1,64}.
  static bool isValidRoom(std::string_view room);

  bool operator==(const SrtStreamId&) const = default;
};

}  // namespace airclass::media::ingest
