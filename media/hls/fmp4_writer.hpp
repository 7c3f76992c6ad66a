// Writes CMAF (fragmented MP4) for one track: the init segment (ftyp+moov) and media fragments (moof+mdat).
// Stateless functions of their arguments: any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "media/encoded_frame.hpp"

namespace airclass::media::hls {

struct Fmp4Track {
  TrackKind kind = TrackKind::Video;
  uint32_t timescale = 90000;  // video 90 kHz, audio the sample rate
  // Video
  int width = 0;
  int height = 0;
  Bytes avcc;  // AVCDecoderConfigurationRecord, written as the avcC box
  // Audio
  int sample_rate = 0;
  int channels = 0;
  Bytes asc;  // AudioSpecificConfig, written inside esds
};

struct Fmp4Sample {
  uint32_t duration = 0;           // in track timescale units
  int32_t composition_offset = 0;  // pts - dts
  bool sync = true;
  std::shared_ptr<const Bytes> data;
};

std::string writeInitSegment(const Fmp4Track& track);
// One moof+mdat. `sequence` is the mfhd sequence number (starts at 1, increases per fragment).
std::string writeFragment(const Fmp4Track& track, uint32_t sequence, uint64_t base_media_decode_time,
                          std::span<const Fmp4Sample> samples);

}  // namespace airclass::media::hls
