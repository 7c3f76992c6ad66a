// Renders a room's master playlist: one EXT-X-STREAM-INF per video rendition, all sharing one AAC
// audio rendition (EXT-X-MEDIA TYPE=AUDIO). Pure function: any thread.
#pragma once
#include <string>
#include <vector>

namespace airclass::media::hls {

struct VariantInfo {
  std::string name;     // URL segment: <name>/index.m3u8
  int bandwidth_bps = 0;  // peak, video + audio
  int width = 0;
  int height = 0;
  double frame_rate = 0;  // 0: unknown, not written
  std::string codecs;   // e.g. "avc1.64001f,mp4a.40.2"
};

struct AudioInfo {
  std::string name = "audio";
  std::string codecs = "mp4a.40.2";
};

std::string renderMaster(const std::vector<VariantInfo>& variants, const AudioInfo& audio);

}  // namespace airclass::media::hls
