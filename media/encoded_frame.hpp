// Compressed media as it flows from ingest to the pipeline and packagers. Immutable values: any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace airclass::media {

using Bytes = std::vector<uint8_t>;

enum class TrackKind { Video, Audio };

// One access unit. Timestamps are nanoseconds on the broadcast's timeline (the room maps every publisher,
// and every reconnect, onto one continuous timeline).
struct EncodedFrame {
  TrackKind kind = TrackKind::Video;
  int64_t pts_ns = 0;
  int64_t dts_ns = 0;
  bool keyframe = false;
  // H.264: AVCC (4-byte big-endian length before each NAL unit). AAC: one raw frame, no ADTS header.
  std::shared_ptr<const Bytes> data;
};

// H.264 decoder configuration: the AVCDecoderConfigurationRecord (ISO 14496-15) as FLV and MP4 carry it.
struct VideoConfig {
  Bytes avcc;
  int width = 0;   // from the SPS
  int height = 0;
  bool operator==(const VideoConfig&) const = default;
};

// AAC decoder configuration: the AudioSpecificConfig (ISO 14496-3).
struct AudioConfig {
  Bytes asc;
  int sample_rate = 0;
  int channels = 0;
  bool operator==(const AudioConfig&) const = default;
};

}  // namespace airclass::media
