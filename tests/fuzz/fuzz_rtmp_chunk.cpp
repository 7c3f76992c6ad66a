// libFuzzer target: the RTMP chunk stream reader on untrusted bytes, fed in irregular pieces.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "media/ingest/rtmp/rtmp_chunk_reader.hpp"

using airclass::media::ingest::rtmp::RtmpChunkReader;
using airclass::media::ingest::rtmp::RtmpMessage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RtmpChunkReader reader(64 * 1024, 8);
  std::vector<RtmpMessage> out;
  size_t pos = 0;
  size_t step = 1;
  while (pos < size) {
    const size_t n = std::min(step, size - pos);
    if (!reader.feed({data + pos, n}, out)) break;
    pos += n;
    step = step * 3 % 97 + 1;
    out.clear();
  }
  return 0;
}
