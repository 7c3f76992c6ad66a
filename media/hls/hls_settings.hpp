// HLS output settings, from [hls] in the config. Value type.
#pragma once

namespace airclass::media::hls {

struct HlsSettings {
  double segment_duration_s = 1.0;  // a segment closes at the first keyframe at or after this
  double part_duration_s = 0.333;   // LL-HLS part target
  int window_segments = 10;         // segments listed in a media playlist (older ones are dropped)
};

}  // namespace airclass::media::hls
