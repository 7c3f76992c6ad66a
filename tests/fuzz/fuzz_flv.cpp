// libFuzzer target: FLV audio/video tag bodies as RTMP carries them. First byte picks the track and the
// next four the timestamp; the parser may throw common::Error, never crash.
#include <cstddef>
#include <cstdint>

#include "common/error.hpp"
#include "media/ingest/rtmp/flv_tag_parser.hpp"

using airclass::media::ingest::rtmp::FlvTagParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FlvTagParser parser;
  size_t pos = 0;
  // The input is a sequence of records: [track u8][timestamp u32][length u16][body].
  while (size - pos >= 7) {
    const bool video = data[pos] & 1;
    const uint32_t ts = static_cast<uint32_t>(data[pos + 1]) << 24 | static_cast<uint32_t>(data[pos + 2]) << 16 |
                        static_cast<uint32_t>(data[pos + 3]) << 8 | data[pos + 4];
    size_t len = static_cast<size_t>(data[pos + 5]) << 8 | data[pos + 6];
    pos += 7;
    if (len > size - pos) len = size - pos;
    try {
      if (video) {
        parser.parseVideo(ts, {data + pos, len});
      } else {
        parser.parseAudio(ts, {data + pos, len});
      }
    } catch (const airclass::common::Error&) {
    }
    pos += len;
  }
  return 0;
}
