// A trickle ICE SDP fragment (media type application/trickle-ice-sdpfrag, RFC 8840 section 4.4 as used by
// RFC 9725 section 4.3): what a WHIP publisher PATCHes after its offer: its ICE credentials (session or media
// level), and per m= section the a=mid, the a=candidate lines and a=end-of-candidates. Other lines (a=group,
// a=ice-options, c=, ...) are read and ignored. Bounded (size, line length, sections, candidates) and I/O-free.
// Pure; any thread. parse() throws common::Error(BadRequest, "trickle fragment: ...") at this request boundary.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace airclass::media::ingest {

struct TrickleFragment {
  static constexpr size_t kMaxSize = 16 * 1024;
  static constexpr size_t kMaxLine = 1024;
  static constexpr size_t kMaxMedia = 16;
  static constexpr size_t kMaxCandidates = 64;  // in the whole fragment
  static constexpr size_t kMaxValue = 256;      // ufrag, pwd, mid

  struct Media {
    std::string mid;
    std::vector<std::string> candidates;  // "candidate:..." (the attribute, without "a=")
    bool end_of_candidates = false;       // its own a=end-of-candidates, or the session-level one
  };

  // The sender's ICE credentials (RFC 8839 ice-chars), the same in every section that repeats them.
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<Media> media;

  static TrickleFragment parse(std::string_view body);
};

}  // namespace airclass::media::ingest
