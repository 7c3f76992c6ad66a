// What a WHIP publisher's SDP offer (RFC 9725) sends us, checked before any pipeline is built: one video section
// with H.264 (packetization-mode=1, an 8-bit 4:2:0 profile: baseline, main or high) or VP8, and at most one audio
// section, with Opus. H.264 wins over VP8 whatever the offer's order: it is ingested without re-encoding.
// Candidates are optional: a trickling publisher sends them later (PATCH, RFC 9725 4.3.2), so the offer's ICE
// credentials and its m= sections' mids (their m-line indexes) are kept to check and place those.
// Pure; any thread. Throws common::Error at this request boundary: BadRequest (malformed, nothing to publish),
// Unsupported (no codec we take).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace airclass::media::ingest {

struct WhipOffer {
  enum class Video { H264, VP8 };

  Video video = Video::H264;
  int video_payload = -1;
  std::string video_mid;
  int audio_payload = -1;  // Opus; -1 without audio
  std::string audio_mid;

  struct Section {
    std::string mid;
    std::string ice_ufrag;
    std::string ice_pwd;
  };
  std::vector<Section> sections;  // every m= section, in the offer's order: the index is the m-line index

  static WhipOffer check(std::string_view sdp);
};

std::string_view toString(WhipOffer::Video video);

}  // namespace airclass::media::ingest
