#include "media/hls/media_playlist.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <vector>

namespace airclass::media::hls {
namespace {

// Up to `decimals` decimals without trailing zeros: 0.333, 1, 0.999.
std::string trimmed(double value, int decimals = 5) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*f", decimals, value);
  std::string s(buf.data());
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string fixed5(double value) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.5f", value);
  return buf.data();
}

}  // namespace

std::string initName(int init_id) { return "init-" + std::to_string(init_id) + ".mp4"; }
std::string segmentName(uint64_t msn) { return "seg-" + std::to_string(msn) + ".m4s"; }
std::string partName(uint64_t msn, int part) {
  return "part-" + std::to_string(msn) + "." + std::to_string(part) + ".m4s";
}

std::string formatProgramDateTime(int64_t unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  int millis = static_cast<int>(unix_ms % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis < 0 ? 0 : millis);
  return buf.data();
}

std::string renderMediaPlaylist(const RenditionSnapshot& snap, const MediaPlaylistParams& params) {
  std::string out;
  out.reserve(256 + snap.segments.size() * 200);
  const double part_target = params.part_target_s;
  const double target = params.target_duration_s;
  out += "#EXTM3U\n#EXT-X-VERSION:6\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(params.target_duration_s) + "\n";
  out += "#EXT-X-PART-INF:PART-TARGET=" + trimmed(part_target) + "\n";
  out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + trimmed(3 * part_target) +
         ",HOLD-BACK=" + trimmed(3 * target) + "\n";
  const uint64_t first_msn = snap.segments.empty() ? snap.next_msn : snap.segments.front().msn;
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first_msn) + "\n";
  out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(params.discontinuity_sequence) + "\n";

  // Which segments list their parts: those ending within three target durations of the playlist's end.
  std::vector<bool> with_parts(snap.segments.size(), false);
  double from_end = 0;
  for (size_t i = snap.segments.size(); i-- > 0;) {
    const auto& seg = snap.segments[i];
    with_parts[i] = from_end < 3 * target;
    if (seg.data) {
      from_end += seg.duration_s;
    } else {
      for (const auto& part : seg.parts) from_end += part.duration_s;
    }
  }

  int current_map = -1;
  for (size_t i = 0; i < snap.segments.size(); ++i) {
    const auto& seg = snap.segments[i];
    if (!seg.data && seg.parts.empty()) continue;  // a segment that has not produced a part yet
    if (seg.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (seg.init_id != current_map) {
      out += "#EXT-X-MAP:URI=\"" + initName(seg.init_id) + "\"\n";
      current_map = seg.init_id;
    }
    out += "#EXT-X-PROGRAM-DATE-TIME:" + formatProgramDateTime(seg.program_date_ms) + "\n";
    if (with_parts[i]) {
      for (size_t p = 0; p < seg.parts.size(); ++p) {
        const auto& part = seg.parts[p];
        out += "#EXT-X-PART:DURATION=" + fixed5(part.duration_s) + ",URI=\"" +
               partName(seg.msn, static_cast<int>(p)) + "\"";
        if (part.independent) out += ",INDEPENDENT=YES";
        out += "\n";
      }
    }
    if (seg.data) out += "#EXTINF:" + fixed5(seg.duration_s) + ",\n" + segmentName(seg.msn) + "\n";
  }
  if (snap.ended) {
    out += "#EXT-X-ENDLIST\n";
  } else {
    out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + partName(snap.next_msn, snap.next_part) + "\"\n";
  }
  return out;
}

}  // namespace airclass::media::hls
