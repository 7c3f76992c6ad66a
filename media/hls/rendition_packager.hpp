// Packages one rendition's frames (one track: video or audio) into CMAF fragments: an init segment,
// LL-HLS parts, and segments, and publishes each new state as an immutable snapshot to the HlsStore.
// Media loop only.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "media/encoded_frame.hpp"
#include "media/hls/hls_settings.hpp"

namespace airclass::media::hls {

class HlsStore;

class RenditionPackager {
 public:
  // `name` is the rendition's URL segment ("source", "720p", "audio").
  RenditionPackager(HlsStore& store, std::string room, std::string name, TrackKind kind, HlsSettings settings);
  ~RenditionPackager();
  RenditionPackager(const RenditionPackager&) = delete;
  RenditionPackager& operator=(const RenditionPackager&) = delete;

  // A new codec configuration: a new init segment. When it differs from the current one mid-stream, the
  // next segment starts with EXT-X-DISCONTINUITY and the new EXT-X-MAP.
  void setVideoConfig(const VideoConfig& config);
  void setAudioConfig(const AudioConfig& config);
  // Frames in decode order with increasing dts. Video segments start at keyframes.
  void push(const EncodedFrame& frame);
  // Marks a timeline break (e.g. a publisher that resumed with different timestamps).
  void discontinuity();
  // The broadcast ended: the playlist gets EXT-X-ENDLIST.
  void finish();

  // The wall clock that EXT-X-PROGRAM-DATE-TIME is anchored to (default: system_clock::now). For tests.
  void setWallClock(std::function<std::chrono::system_clock::time_point()> clock);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airclass::media::hls
