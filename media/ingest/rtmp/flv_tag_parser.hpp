// Turns the payloads of RTMP audio/video messages (FLV tag bodies) into decoder configs and encoded frames:
// H.264 (AVC, 4-byte NAL lengths) and AAC only. No I/O. Owner's thread (one parser per publisher).
#pragma once
#include <cstdint>
#include <span>
#include <variant>

#include "media/encoded_frame.hpp"

namespace airclass::media::ingest::rtmp {

class FlvTagParser {
 public:
  // Nothing (a tag that carries no media: end of sequence, metadata frame, empty or before the config),
  // a config, or a frame.
  using Result = std::variant<std::monostate, VideoConfig, AudioConfig, EncodedFrame>;

  // `timestamp_ms` is the RTMP message timestamp (32-bit, wrapping). Throws common::Error: Unsupported for
  // codecs other than H.264 / AAC, BadRequest for malformed tags.
  Result parseVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload);
  Result parseAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload);

 private:
  int64_t unwrapMs(uint32_t timestamp_ms);

  bool have_video_config_ = false;
  bool have_audio_config_ = false;
  bool have_timestamp_ = false;
  uint32_t last_ms_ = 0;
  int64_t extended_ms_ = 0;
};

}  // namespace airclass::media::ingest::rtmp
