#include "media/codec/h264_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace airclass::media::codec {
namespace {

std::vector<uint8_t> fromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Real avcC records captured from encoders (Debian 12 ffmpeg 5.1 / libx264 164, GStreamer 1.22 x264enc):
//   ffmpeg -f lavfi -i testsrc2=size=WxH:rate=30 -t 0.2 -c:v libx264 -profile:v P -pix_fmt F [-x264-params X]
//          -f flv out.flv
// then the FLV video tag with AVCPacketType 0 (the sequence header) minus its 5-byte tag prefix. The gst vector:
//   gst-launch-1.0 videotestsrc num-buffers=3 ! video/x-raw,width=1280,height=720 ! x264enc ! h264parse
//          ! video/x-h264,stream-format=avc,alignment=au ! flvmux ! filesink location=gst.flv
// Expected sizes are what ffprobe reports for the same files.
struct Vector {
  const char* name;
  const char* avcc_hex;
  int width;
  int height;
  int profile;
  bool frame_mbs_only;
  const char* codecs;
};

const Vector kVectors[] = {
    {"720p baseline (crop 736->720)",
     "0142c01fffe100196742c01fd9005005bb0110000003001000000303c0f183248001000568cb83cb20", 1280, 720, 66, true,
     "avc1.42c01f"},
    {"720p high", "0164001fffe1001a6764001facd9405005bb0110000003001000000303c0f183196001000668ebe3cb22c0fdf8f800",
     1280, 720, 100, true, "avc1.64001f"},
    {"854x480 main (crop 864->854)",
     "014d401fffe10018674d401feca06c1ef3780880000003008000001e078c18cb01000568ebe3cb20", 854, 480, 77, true,
     "avc1.4d401f"},
    {"854x480 high",
     "0164001fffe1001a6764001facd940d83de6f0110000030001000003003c0f18319601000668ebe3cb22c0fdf8f800", 854, 480,
     100, true, "avc1.64001f"},
    {"640x360 high",
     "0164001effe1001a6764001eacd940a02ff970110000030001000003003c0f162d9601000668ebe3cb22c0fdf8f800", 640, 360,
     100, true, "avc1.64001e"},
    {"1080p high (crop 1088->1080)",
     "01640028ffe1001b67640028acd940780227e5c044000003000400000300f03c60c65801000668ebe3cb22c0fdf8f800", 1920,
     1080, 100, true, "avc1.640028"},
    {"720p high 4:4:4, yuv444p, -x264-params cqm=jvt",
     "01f4001fffe1001a67f4001f919b280a00b76022000003000200000300781e30632c01000868ebe3c44c000440fff8f800", 1280,
     720, 244, true, "avc1.f4001f"},
    {"720x576 interlaced (frame_mbs_only=0), -x264-params interlaced=1",
     "0164001effe100186764001eacd940b424d8088000000300800000190f8a14cb01000668fba3cb22c0fdf8f800", 720, 576, 100,
     false, "avc1.64001e"},
    {"426x240 main", "014d4015ffe10019674d4015eca0d8ff278088000003000800000301e078b16cb001000568ebe3cb20", 426,
     240, 77, true, "avc1.4d4015"},
    {"gstreamer x264enc 720p",
     "01f4001fffe1001e67f4001f90d9b280a00b7602d40404050000030001000003003c8f18319601000668ebec448440", 1280, 720,
     244, true, "avc1.f4001f"},
};

TEST(H264Config, ParsesRealEncoderRecords) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.name);
    const auto avcc = fromHex(v.avcc_hex);
    auto config = parseAvcDecoderConfig(avcc);
    ASSERT_TRUE(config.ok()) << config.error();
    EXPECT_EQ(config->sps.width, v.width);
    EXPECT_EQ(config->sps.height, v.height);
    EXPECT_EQ(config->sps.profile_idc, v.profile);
    EXPECT_EQ(config->sps.frame_mbs_only, v.frame_mbs_only);
    EXPECT_EQ(config->codecs, v.codecs);
    EXPECT_EQ(config->nal_length_size, 4);
    EXPECT_EQ(config->sps_nals.size(), 1u);
    EXPECT_EQ(config->pps_nals.size(), 1u);
    EXPECT_EQ(config->sps.constraint_flags, avcc[2]);
    EXPECT_EQ(config->sps.level_idc, avcc[3]);
  }
}

TEST(H264Config, HighProfile444HasChromaFormat3) {
  auto config = parseAvcDecoderConfig(fromHex(kVectors[6].avcc_hex));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->sps.chroma_format_idc, 3);
}

TEST(H264Config, RejectsEveryTruncation) {
  for (const auto& v : kVectors) {
    const auto avcc = fromHex(v.avcc_hex);
    // Every prefix that cuts into the parameter sets must fail cleanly; the optional high-profile fields after
    // the PPS are not needed.
    const size_t sps_len = (size_t{avcc[6]} << 8) | avcc[7];
    const size_t pps_at = 8 + sps_len + 1;
    const size_t pps_end = pps_at + 2 + ((size_t{avcc[pps_at]} << 8) | avcc[pps_at + 1]);
    ASSERT_LE(pps_end, avcc.size());
    EXPECT_TRUE(parseAvcDecoderConfig(std::span(avcc.data(), pps_end)).ok());
    for (size_t n = 0; n < pps_end; ++n) {
      auto config = parseAvcDecoderConfig(std::span(avcc.data(), n));
      EXPECT_FALSE(config.ok()) << v.name << " prefix " << n;
      EXPECT_FALSE(config.error().empty());
    }
  }
}

TEST(H264Config, RejectsBadRecords) {
  auto good = fromHex(kVectors[1].avcc_hex);
  auto bad_version = good;
  bad_version[0] = 0;
  EXPECT_EQ(parseAvcDecoderConfig(bad_version).error(), "avcC: unsupported configurationVersion");
  auto no_sps = good;
  no_sps[5] = 0xe0;
  EXPECT_EQ(parseAvcDecoderConfig(no_sps).error(), "avcC: no SPS");
  auto length3 = good;
  length3[4] = 0xfe;
  EXPECT_FALSE(parseAvcDecoderConfig(length3).ok());
  auto not_sps = good;
  not_sps[8] = 0x68;  // the first "SPS" is a PPS
  EXPECT_EQ(parseAvcDecoderConfig(not_sps).error(), "avcC: sps: not an SPS NAL unit");
}

TEST(H264Config, RejectsAbsurdPictureSize) {
  // Baseline SPS: profile 66, level 31, then ue fields; pic_width_in_mbs_minus1 = 2047 (32768 px).
  // Bits: sps_id ue(0)=1, log2_max_frame_num ue(0)=1, poc_type ue(2)=011, max_ref ue(1)=010, gaps 0,
  //       width ue(2047)=0000000000 1 0000000000 ... built by hand below.
  std::string bits = "1" "1" "011" "010" "0";
  bits += "00000000000" "100000000000";  // ue(2047): 11 zeros, then 1 and 11 bits of (2048-2047-1)=0
  bits += "1" "1" "1" "0" "1";             // height ue(0), frame_mbs_only, direct8x8, no crop, stop bit
  std::vector<uint8_t> nal = {0x67, 66, 0xc0, 31};
  while (bits.size() % 8) bits += "0";
  for (size_t i = 0; i < bits.size(); i += 8) nal.push_back(static_cast<uint8_t>(std::stoi(bits.substr(i, 8), nullptr, 2)));
  auto sps = parseH264Sps(nal);
  EXPECT_EQ(sps.error(), "sps: picture too large");
}

std::vector<uint8_t> spsFromBits(int profile, std::string bits) {
  std::vector<uint8_t> nal = {0x67, static_cast<uint8_t>(profile), 0x00, 31};
  bits += "1";  // rbsp_stop_one_bit
  while (bits.size() % 8) bits += "0";
  for (size_t i = 0; i < bits.size(); i += 8) {
    nal.push_back(static_cast<uint8_t>(std::stoi(bits.substr(i, 8), nullptr, 2)));
  }
  return nal;
}

// x264 sends custom matrices in the PPS, so the SPS scaling-list path gets a hand-built high-profile SPS:
// sps_id ue(0), chroma_format_idc ue(1), bit depths ue(0) ue(0), qpprime 0, seq_scaling_matrix_present 1,
// list 0 present with delta_scale se(-8) (next scale 0: stop), lists 1..7 absent, log2_max_frame_num ue(0),
// poc type ue(0), log2_max_poc_lsb ue(0), max_num_ref_frames ue(1), gaps 0, width ue(79) height ue(44),
// frame_mbs_only 1, direct_8x8 1, cropping 0.
std::string scalingSps(const std::string& delta_bits) {
  return std::string("1") + "010" + "1" + "1" + "0" + "1" + "1" + delta_bits + "0000000" + "1" + "1" + "1" + "010" +
         "0" + "0000001010000" + "00000101101" + "1" + "1" + "0";
}

TEST(H264Config, HighProfileScalingListsInSps) {
  auto sps = parseH264Sps(spsFromBits(100, scalingSps("000010001")));  // se(-8) = ue(16)
  ASSERT_TRUE(sps.ok()) << sps.error();
  EXPECT_EQ(sps->width, 1280);
  EXPECT_EQ(sps->height, 720);
  // delta_scale se(-200) is out of range
  auto bad = parseH264Sps(spsFromBits(100, scalingSps("00000000110010000")));
  EXPECT_EQ(bad.error(), "sps: bad scaling list");
}

TEST(H264Config, UnescapesEmulationPrevention) {
  const std::vector<uint8_t> escaped = {0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03};
  const std::vector<uint8_t> expected = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03};
  EXPECT_EQ(unescapeRbsp(escaped), expected);
}

TEST(H264Config, CodecsString) {
  EXPECT_EQ(avcCodecsString(100, 0, 40), "avc1.640028");
  EXPECT_EQ(avcCodecsString(66, 0xe0, 30), "avc1.42e01e");
}

}  // namespace
}  // namespace airclass::media::codec
