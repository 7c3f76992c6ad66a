// Renders one rendition's LL-HLS media playlist from its snapshot. Pure function: any thread.
#pragma once
#include <cstdint>
#include <string>

#include "media/hls/hls_store.hpp"

namespace airclass::media::hls {

struct MediaPlaylistParams {
  int target_duration_s = 1;          // EXT-X-TARGETDURATION
  double part_target_s = 0.333;       // EXT-X-PART-INF PART-TARGET
  uint64_t discontinuity_sequence = 0;
};

// The segments' parts are listed for the segments within three target durations of the live edge; the
// preload hint names snapshot.next_msn/next_part unless the playlist has ended.
std::string renderMediaPlaylist(const RenditionSnapshot& snapshot, const MediaPlaylistParams& params);

// File names, relative to the playlist.
std::string initName(int init_id);
std::string segmentName(uint64_t msn);
std::string partName(uint64_t msn, int part);
// "2026-11-29T02:50:01.123Z"
std::string formatProgramDateTime(int64_t unix_ms);

}  // namespace airclass::media::hls
