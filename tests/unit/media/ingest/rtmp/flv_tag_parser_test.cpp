#include <gtest/gtest.h>

#include "common/error.hpp"
#include "media/ingest/rtmp/flv_tag_parser.hpp"

namespace airclass::media::ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;
using common::ErrorCode;

const Bytes kAvcc{0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F,
                  0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80};

Bytes avcSequenceHeader(const Bytes& avcc = kAvcc) {
  Bytes b{0x17, 0x00, 0, 0, 0};
  b.insert(b.end(), avcc.begin(), avcc.end());
  return b;
}
Bytes avcNalu(bool key, int32_t cts, const Bytes& avcc_nals) {
  const auto c = static_cast<uint32_t>(cts);
  Bytes b{static_cast<uint8_t>(key ? 0x17 : 0x27), 0x01, uint8_t(c >> 16), uint8_t(c >> 8), uint8_t(c)};
  b.insert(b.end(), avcc_nals.begin(), avcc_nals.end());
  return b;
}
const Bytes kNals{0, 0, 0, 3, 0x65, 0x88, 0x84, 0, 0, 0, 1, 0x06};

ErrorCode codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const common::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::Internal;
}

TEST(FlvTagParser, AvcSequenceHeaderAndFrames) {
  FlvTagParser p;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(p.parseVideo(0, avcNalu(true, 0, kNals))))
      << "frames before the config are dropped";
  auto config = p.parseVideo(0, avcSequenceHeader());
  ASSERT_TRUE(std::holds_alternative<VideoConfig>(config));
  EXPECT_EQ(std::get<VideoConfig>(config).avcc, kAvcc);
  EXPECT_EQ(std::get<VideoConfig>(config).width, 0);

  auto r = p.parseVideo(40, avcNalu(true, 80, kNals));
  ASSERT_TRUE(std::holds_alternative<EncodedFrame>(r));
  const auto& f = std::get<EncodedFrame>(r);
  EXPECT_EQ(f.kind, TrackKind::Video);
  EXPECT_TRUE(f.keyframe);
  EXPECT_EQ(f.dts_ns, 40'000'000);
  EXPECT_EQ(f.pts_ns, 120'000'000);
  EXPECT_EQ(*f.data, kNals);

  auto r2 = p.parseVideo(80, avcNalu(false, -40, kNals));  // negative composition time
  const auto& f2 = std::get<EncodedFrame>(r2);
  EXPECT_FALSE(f2.keyframe);
  EXPECT_EQ(f2.pts_ns, 40'000'000);

  EXPECT_TRUE(std::holds_alternative<std::monostate>(p.parseVideo(120, Bytes{0x17, 0x02, 0, 0, 0})));  // EOS
  EXPECT_TRUE(std::holds_alternative<std::monostate>(p.parseVideo(120, Bytes{})));
}

TEST(FlvTagParser, TimestampWrapIsUnwrapped) {
  FlvTagParser p;
  p.parseVideo(0xFFFFFFF0u, avcSequenceHeader());
  auto a = std::get<EncodedFrame>(p.parseVideo(0xFFFFFFF0u, avcNalu(true, 0, kNals)));
  auto b = std::get<EncodedFrame>(p.parseVideo(0x00000010u, avcNalu(false, 0, kNals)));
  EXPECT_EQ(b.dts_ns - a.dts_ns, 32'000'000);
  EXPECT_EQ(a.dts_ns, int64_t{0xFFFFFFF0} * 1'000'000);
}

TEST(FlvTagParser, RejectsOtherVideoCodecs) {
  FlvTagParser p;
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, Bytes{0x1C, 0x00, 0, 0, 0}); }), ErrorCode::Unsupported);  // HEVC id 12
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, Bytes{0x14, 0x00}); }), ErrorCode::Unsupported);             // VP6
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, Bytes{0x12, 0x00}); }), ErrorCode::Unsupported);             // Sorenson
  for (const char* fourcc : {"hvc1", "av01", "vp09"}) {
    Bytes ex{0x90};  // enhanced RTMP: keyframe, PacketTypeSequenceStart
    ex.insert(ex.end(), fourcc, fourcc + 4);
    try {
      p.parseVideo(0, ex);
      FAIL() << fourcc;
    } catch (const common::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Unsupported);
      EXPECT_NE(std::string(e.what()).find(fourcc), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("rtmp: unsupported video codec"), std::string::npos);
    }
  }
}

TEST(FlvTagParser, RejectsTwoByteNalLengthsAndMalformedTags) {
  FlvTagParser p;
  Bytes two = kAvcc;
  two[4] = 0xFD;  // lengthSizeMinusOne = 1
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, avcSequenceHeader(two)); }), ErrorCode::Unsupported);
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, avcSequenceHeader(Bytes{1, 2})); }), ErrorCode::BadRequest);
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, Bytes{0x17, 0x01}); }), ErrorCode::BadRequest);
  p.parseVideo(0, avcSequenceHeader());
  EXPECT_EQ(codeOf([&] { p.parseVideo(0, avcNalu(true, 0, Bytes{0, 0, 0, 9, 1})); }), ErrorCode::BadRequest);
}

TEST(FlvTagParser, AacConfigAndFrames) {
  FlvTagParser p;
  auto c = p.parseAudio(0, Bytes{0xAF, 0x00, 0x12, 0x10});
  ASSERT_TRUE(std::holds_alternative<AudioConfig>(c));
  EXPECT_EQ(std::get<AudioConfig>(c).asc, (Bytes{0x12, 0x10}));
  auto f = p.parseAudio(23, Bytes{0xAF, 0x01, 0x21, 0x10, 0x04});
  ASSERT_TRUE(std::holds_alternative<EncodedFrame>(f));
  EXPECT_EQ(std::get<EncodedFrame>(f).kind, TrackKind::Audio);
  EXPECT_EQ(std::get<EncodedFrame>(f).dts_ns, 23'000'000);
  EXPECT_EQ(std::get<EncodedFrame>(f).pts_ns, 23'000'000);
  EXPECT_EQ(*std::get<EncodedFrame>(f).data, (Bytes{0x21, 0x10, 0x04}));
}

TEST(FlvTagParser, RejectsOtherAudioCodecs) {
  FlvTagParser p;
  EXPECT_EQ(codeOf([&] { p.parseAudio(0, Bytes{0x2F, 0x00}); }), ErrorCode::Unsupported);  // MP3
  EXPECT_EQ(codeOf([&] { p.parseAudio(0, Bytes{0xBF, 0x00}); }), ErrorCode::Unsupported);  // Speex
  EXPECT_EQ(codeOf([&] { p.parseAudio(0, Bytes{0x9F, 0x00}); }), ErrorCode::Unsupported);  // enhanced
  EXPECT_EQ(codeOf([&] { p.parseAudio(0, Bytes{0xAF}); }), ErrorCode::BadRequest);
}

}  // namespace
}  // namespace airclass::media::ingest::rtmp
