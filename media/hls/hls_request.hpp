// A parsed /hls request: which room, rendition and file, and the LL-HLS blocking-reload parameters.
// Bounded parsing of untrusted URL text; pure functions, any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace airclass::media::hls {

struct HlsRequest {
  enum class Kind { Master, MediaPlaylist, Init, Segment, Part };
  Kind kind = Kind::Master;
  std::string room;
  std::string rendition;  // empty for the master playlist
  int init_id = 0;
  uint64_t msn = 0;       // Segment, Part
  int part = 0;           // Part
  std::optional<uint64_t> block_msn;  // _HLS_msn
  std::optional<int> block_part;      // _HLS_part
};

struct HlsRequestParse {
  int status = 200;  // 200: `request` is valid; 400 malformed; 404 not an /hls resource
  std::string error;
  HlsRequest request;
};

inline constexpr size_t kMaxHlsNameLength = 64;
inline constexpr uint64_t kMaxHlsNumber = 1'000'000'000'000'000ULL;  // msn, part and init ids stay below

// Room ids and rendition names: [A-Za-z0-9_-]{1,64}.
bool isValidHlsName(std::string_view name);
// `path` is the URL path ("/hls/<room>/..."), `query` the text after '?' (may be empty).
HlsRequestParse parseHlsRequest(std::string_view path, std::string_view query);

}  // namespace airclass::media::hls
