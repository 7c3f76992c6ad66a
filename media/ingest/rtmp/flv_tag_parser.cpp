#include "media/ingest/rtmp/flv_tag_parser.hpp"

#include <memory>
#include <string>

#include "common/error.hpp"

namespace airclass::media::ingest::rtmp {

namespace {
using common::Error;
using common::ErrorCode;

constexpr int64_t kNsPerMs = 1'000'000;

std::string fourcc(const uint8_t* p) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += (p[i] >= 0x20 && p[i] < 0x7F) ? static_cast<char>(p[i]) : '?';
  return s;
}

// Every NAL unit must be a 4-byte big-endian length followed by that many bytes, filling the payload.
bool validAvcc(std::span<const uint8_t> data) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 4) return false;
    const size_t len = static_cast<size_t>(data[pos]) << 24 | static_cast<size_t>(data[pos + 1]) << 16 |
                       static_cast<size_t>(data[pos + 2]) << 8 | data[pos + 3];
    pos += 4;
    if (len > data.size() - pos) return false;
    pos += len;
  }
  return true;
}
}  // namespace

int64_t FlvTagParser::unwrapMs(uint32_t timestamp_ms) {
  if (!have_timestamp_) {
    have_timestamp_ = true;
    extended_ms_ = timestamp_ms;
  } else {
    // Signed distance from the last timestamp: survives the 32-bit wrap (~49.7 days) and the small
    // backwards steps between interleaved audio and video.
    extended_ms_ += static_cast<int32_t>(timestamp_ms - last_ms_);
  }
  last_ms_ = timestamp_ms;
  return extended_ms_;
}

FlvTagParser::Result FlvTagParser::parseVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  if (payload.empty()) return {};
  const uint8_t b0 = payload[0];
  if (b0 & 0x80) {  // enhanced RTMP: IsExHeader, FourCC follows
    if (payload.size() < 5) throw Error(ErrorCode::BadRequest, "rtmp: truncated enhanced video tag");
    throw Error(ErrorCode::Unsupported, "rtmp: unsupported video codec " + fourcc(payload.data() + 1) +
                                            " (only H.264 is accepted)");
  }
  const int frame_type = b0 >> 4;
  const int codec = b0 & 0x0F;
  if (codec != 7) {
    throw Error(ErrorCode::Unsupported,
                "rtmp: unsupported video codec id " + std::to_string(codec) + " (only H.264 is accepted)");
  }
  if (frame_type == 5) return {};  // video info / command frame
  if (payload.size() < 5) throw Error(ErrorCode::BadRequest, "rtmp: truncated AVC video tag");
  const int packet_type = payload[1];
  auto cts_bits = static_cast<uint32_t>(payload[2]) << 16 | static_cast<uint32_t>(payload[3]) << 8 | payload[4];
  if (cts_bits & 0x800000) cts_bits |= 0xFF000000;  // sign-extend 24 bits
  const auto cts_ms = static_cast<int32_t>(cts_bits);
  const auto body = payload.subspan(5);
  const int64_t dts_ms = unwrapMs(timestamp_ms);

  switch (packet_type) {
    case 0: {  // AVCDecoderConfigurationRecord
      if (body.size() < 7 || body[0] != 1) throw Error(ErrorCode::BadRequest, "rtmp: malformed AVC sequence header");
      const int length_size = (body[4] & 0x03) + 1;
      if (length_size != 4) {
        throw Error(ErrorCode::Unsupported,
                    "rtmp: unsupported AVC NAL length size " + std::to_string(length_size) + " (only 4)");
      }
      VideoConfig config;
      config.avcc.assign(body.begin(), body.end());
      have_video_config_ = true;
      return config;
    }
    case 1: {
      if (body.empty() || !have_video_config_) return {};
      if (!validAvcc(body)) throw Error(ErrorCode::BadRequest, "rtmp: malformed AVC NAL unit lengths");
      EncodedFrame frame;
      frame.kind = TrackKind::Video;
      frame.dts_ns = dts_ms * kNsPerMs;
      frame.pts_ns = (dts_ms + cts_ms) * kNsPerMs;
      frame.keyframe = frame_type == 1;
      frame.data = std::make_shared<const Bytes>(body.begin(), body.end());
      return frame;
    }
    case 2:  // end of sequence
      return {};
    default:
      throw Error(ErrorCode::BadRequest, "rtmp: unknown AVC packet type " + std::to_string(packet_type));
  }
}

FlvTagParser::Result FlvTagParser::parseAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  if (payload.empty()) return {};
  const int format = payload[0] >> 4;
  if (format != 10) {
    throw Error(ErrorCode::Unsupported,
                "rtmp: unsupported audio codec id " + std::to_string(format) + " (only AAC is accepted)");
  }
  if (payload.size() < 2) throw Error(ErrorCode::BadRequest, "rtmp: truncated AAC audio tag");
  const auto body = payload.subspan(2);
  const int64_t ms = unwrapMs(timestamp_ms);
  if (payload[1] == 0) {
    if (body.size() < 2) throw Error(ErrorCode::BadRequest, "rtmp: malformed AAC sequence header");
    AudioConfig config;
    config.asc.assign(body.begin(), body.end());
    have_audio_config_ = true;
    return config;
  }
  if (payload[1] != 1) throw Error(ErrorCode::BadRequest, "rtmp: unknown AAC packet type");
  if (body.empty() || !have_audio_config_) return {};
  EncodedFrame frame;
  frame.kind = TrackKind::Audio;
  frame.dts_ns = ms * kNsPerMs;
  frame.pts_ns = frame.dts_ns;
  frame.keyframe = true;  // every AAC frame decodes on its own
  frame.data = std::make_shared<const Bytes>(body.begin(), body.end());
  return frame;
}

}  // namespace airclass::media::ingest::rtmp
