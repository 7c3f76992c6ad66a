#include "media/codec/h264_config.hpp"

#include <array>
#include <cstdio>

#include "media/codec/bit_reader.hpp"

namespace airclass::media::codec {
namespace {

using SpsResult = ParseResult<H264Sps>;

bool hasChromaInfo(int profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86:
    case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() of 7.3.2.1.1.1: only walked, the values are not needed.
bool skipScalingList(BitReader& br, int size) {
  int last = 8;
  int next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      const int32_t delta = br.se();
      if (br.failed() || delta < -128 || delta > 127) return false;
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

}  // namespace

std::vector<uint8_t> unescapeRbsp(std::span<const uint8_t> nal) {
  std::vector<uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (uint8_t b : nal) {
    if (zeros >= 2 && b == 0x03) {
      zeros = 0;
      continue;
    }
    out.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return out;
}

std::string avcCodecsString(int profile_idc, int constraint_flags, int level_idc) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "avc1.%02x%02x%02x", profile_idc & 0xff, constraint_flags & 0xff,
                level_idc & 0xff);
  return buf.data();
}

ParseResult<H264Sps> parseH264Sps(std::span<const uint8_t> nal) {
  if (nal.size() < 4) return SpsResult::failure("sps: too short");
  if ((nal[0] & 0x80) != 0 || (nal[0] & 0x1f) != 7) return SpsResult::failure("sps: not an SPS NAL unit");
  const std::vector<uint8_t> rbsp = unescapeRbsp(nal.subspan(1));
  BitReader br(rbsp);
  H264Sps sps;
  sps.profile_idc = static_cast<int>(br.bits(8));
  sps.constraint_flags = static_cast<int>(br.bits(8));
  sps.level_idc = static_cast<int>(br.bits(8));
  if (br.ue() > 31) return SpsResult::failure("sps: bad seq_parameter_set_id");

  bool separate_colour_plane = false;
  if (hasChromaInfo(sps.profile_idc)) {
    const uint32_t chroma = br.ue();
    if (chroma > 3) return SpsResult::failure("sps: bad chroma_format_idc");
    sps.chroma_format_idc = static_cast<int>(chroma);
    if (chroma == 3) separate_colour_plane = br.flag();
    const uint32_t depth_luma = br.ue();
    const uint32_t depth_chroma = br.ue();
    if (depth_luma > 6 || depth_chroma > 6) return SpsResult::failure("sps: bad bit depth");
    sps.bit_depth_luma = 8 + static_cast<int>(depth_luma);
    br.flag();  // qpprime_y_zero_transform_bypass_flag
    if (br.flag()) {  // seq_scaling_matrix_present_flag
      const int lists = chroma != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        if (br.flag() && !skipScalingList(br, i < 6 ? 16 : 64)) {
          return SpsResult::failure("sps: bad scaling list");
        }
      }
    }
  }
  if (br.ue() > 12) return SpsResult::failure("sps: bad log2_max_frame_num");
  const uint32_t poc_type = br.ue();
  if (poc_type == 0) {
    if (br.ue() > 12) return SpsResult::failure("sps: bad log2_max_pic_order_cnt_lsb");
  } else if (poc_type == 1) {
    br.flag();  // delta_pic_order_always_zero_flag
    br.se();    // offset_for_non_ref_pic
    br.se();    // offset_for_top_to_bottom_field
    const uint32_t cycle = br.ue();
    if (cycle > 255) return SpsResult::failure("sps: bad num_ref_frames_in_pic_order_cnt_cycle");
    for (uint32_t i = 0; i < cycle && !br.failed(); ++i) br.se();
  } else if (poc_type != 2) {
    return SpsResult::failure("sps: bad pic_order_cnt_type");
  }
  br.ue();    // max_num_ref_frames
  br.flag();  // gaps_in_frame_num_value_allowed_flag
  const uint32_t width_mbs = br.ue() + 1;
  const uint32_t height_map_units = br.ue() + 1;
  sps.frame_mbs_only = br.flag();
  if (!sps.frame_mbs_only) br.flag();  // mb_adaptive_frame_field_flag
  br.flag();                           // direct_8x8_inference_flag
  uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (br.flag()) {
    crop_left = br.ue();
    crop_right = br.ue();
    crop_top = br.ue();
    crop_bottom = br.ue();
  }
  if (br.failed()) return SpsResult::failure("sps: truncated");

  const int64_t frame_height_mbs = (sps.frame_mbs_only ? 1 : 2) * int64_t{height_map_units};
  if (width_mbs > kMaxH264Dimension / 16 || frame_height_mbs > kMaxH264Dimension / 16) {
    return SpsResult::failure("sps: picture too large");
  }
  const int chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  int64_t crop_unit_x = 1;
  int64_t crop_unit_y = sps.frame_mbs_only ? 1 : 2;
  if (chroma_array_type != 0) {
    const int sub_width = chroma_array_type == 3 ? 1 : 2;
    const int sub_height = chroma_array_type == 1 ? 2 : 1;
    crop_unit_x = sub_width;
    crop_unit_y = sub_height * (sps.frame_mbs_only ? 1 : 2);
  }
  const int64_t width = int64_t{width_mbs} * 16 - crop_unit_x * (int64_t{crop_left} + crop_right);
  const int64_t height = frame_height_mbs * 16 - crop_unit_y * (int64_t{crop_top} + crop_bottom);
  if (width <= 0 || height <= 0) return SpsResult::failure("sps: cropping larger than the picture");
  sps.width = static_cast<int>(width);
  sps.height = static_cast<int>(height);
  return SpsResult::success(sps);
}

ParseResult<H264Config> parseAvcDecoderConfig(std::span<const uint8_t> avcc) {
  using Result = ParseResult<H264Config>;
  size_t pos = 0;
  auto need = [&](size_t n) { return avcc.size() - pos >= n; };
  if (!need(6)) return Result::failure("avcC: too short");
  if (avcc[0] != 1) return Result::failure("avcC: unsupported configurationVersion");
  H264Config config;
  config.nal_length_size = (avcc[4] & 0x03) + 1;
  if (config.nal_length_size == 3) return Result::failure("avcC: bad lengthSizeMinusOne");
  const int num_sps = avcc[5] & 0x1f;
  pos = 6;
  auto readNals = [&](int count, std::vector<std::vector<uint8_t>>& out) {
    for (int i = 0; i < count; ++i) {
      if (!need(2)) return false;
      const size_t len = (size_t{avcc[pos]} << 8) | avcc[pos + 1];
      pos += 2;
      if (len == 0 || !need(len)) return false;
      out.emplace_back(avcc.begin() + static_cast<std::ptrdiff_t>(pos),
                       avcc.begin() + static_cast<std::ptrdiff_t>(pos + len));
      pos += len;
    }
    return true;
  };
  if (num_sps == 0) return Result::failure("avcC: no SPS");
  if (!readNals(num_sps, config.sps_nals)) return Result::failure("avcC: truncated SPS");
  if (!need(1)) return Result::failure("avcC: truncated before PPS count");
  const int num_pps = avcc[pos++];
  if (!readNals(num_pps, config.pps_nals)) return Result::failure("avcC: truncated PPS");
  // Trailing high-profile fields (chroma_format, bit depths, SPS extensions) are not needed: the SPS has them.

  auto sps = parseH264Sps(config.sps_nals.front());
  if (!sps) return Result::failure("avcC: " + sps.error());
  config.sps = sps.value();
  config.codecs = avcCodecsString(config.sps.profile_idc, config.sps.constraint_flags, config.sps.level_idc);
  return Result::success(std::move(config));
}

}  // namespace airclass::media::codec
