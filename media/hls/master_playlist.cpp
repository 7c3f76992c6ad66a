#include "media/hls/master_playlist.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace airclass::media::hls {

// Variants are listed by bandwidth, lowest first: players that start with the first listed variant (Safari,
// VLC) start fast and climb; hls.js estimates its own start level.
std::string renderMaster(const std::vector<VariantInfo>& variants, const AudioInfo& audio) {
  std::vector<const VariantInfo*> sorted;
  sorted.reserve(variants.size());
  for (const auto& v : variants) sorted.push_back(&v);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const VariantInfo* a, const VariantInfo* b) { return a->bandwidth_bps < b->bandwidth_bps; });

  std::string out = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"" + audio.name +
         "\",DEFAULT=YES,AUTOSELECT=YES,URI=\"" + audio.name + "/index.m3u8\"\n";
  for (const VariantInfo* v : sorted) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v->bandwidth_bps);
    if (v->width > 0 && v->height > 0) {
      out += ",RESOLUTION=" + std::to_string(v->width) + "x" + std::to_string(v->height);
    }
    if (!v->codecs.empty()) out += ",CODECS=\"" + v->codecs + "\"";
    if (v->frame_rate > 0) {
      std::array<char, 32> buf{};
      std::snprintf(buf.data(), buf.size(), "%.3f", v->frame_rate);
      out += ",FRAME-RATE=" + std::string(buf.data());
    }
    out += ",AUDIO=\"aud\"\n" + v->name + "/index.m3u8\n";
  }
  return out;
}

}  // namespace airclass::media::hls
