// H.264 decoder configuration: parses an AVCDecoderConfigurationRecord (ISO 14496-15 avcC) and its first
// SPS (ITU-T H.264 7.3.2.1) into the picture size and the RFC 6381 codecs string. Bounded; any thread.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/codec/parse_result.hpp"

namespace airclass::media::codec {

struct H264Sps {
  int profile_idc = 0;
  int constraint_flags = 0;  // constraint_set0..5 flags and reserved bits, as the byte after profile_idc
  int level_idc = 0;
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  bool frame_mbs_only = true;
  int width = 0;   // after frame cropping
  int height = 0;
};

struct H264Config {
  H264Sps sps;                               // the first SPS
  int nal_length_size = 4;                   // bytes before each NAL unit in samples: 1, 2 or 4
  std::vector<std::vector<uint8_t>> sps_nals;  // each with its NAL header byte, still escaped
  std::vector<std::vector<uint8_t>> pps_nals;
  std::string codecs;                        // RFC 6381, e.g. "avc1.64001f"
};

// Limits that keep a hostile header from describing absurd pictures.
inline constexpr int kMaxH264Dimension = 16384;

// `nal` is one SPS NAL unit including its header byte (type 7), emulation prevention bytes included.
ParseResult<H264Sps> parseH264Sps(std::span<const uint8_t> nal);
ParseResult<H264Config> parseAvcDecoderConfig(std::span<const uint8_t> avcc);

// Removes emulation prevention bytes (00 00 03 -> 00 00).
std::vector<uint8_t> unescapeRbsp(std::span<const uint8_t> nal);
// "avc1.PPCCLL" in lower-case hex.
std::string avcCodecsString(int profile_idc, int constraint_flags, int level_idc);

}  // namespace airclass::media::codec
