#include "media/ingest/rtmp/rtmp_chunk_writer.hpp"

#include <algorithm>

namespace airclass::media::ingest::rtmp {

namespace {
void basicHeader(unsigned fmt, uint32_t csid, std::vector<uint8_t>& out) {
  if (csid >= 2 && csid <= 63) {
    out.push_back(static_cast<uint8_t>(fmt << 6 | csid));
  } else if (csid >= 64 && csid <= 319) {
    out.push_back(static_cast<uint8_t>(fmt << 6));
    out.push_back(static_cast<uint8_t>(csid - 64));
  } else {
    out.push_back(static_cast<uint8_t>(fmt << 6 | 1));
    out.push_back(static_cast<uint8_t>((csid - 64) & 0xFF));
    out.push_back(static_cast<uint8_t>((csid - 64) >> 8));
  }
}
void be24(uint32_t v, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void be32(uint32_t v, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  be24(v, out);
}
}  // namespace

void RtmpChunkWriter::write(const RtmpMessage& message, std::vector<uint8_t>& out) const {
  const bool extended = message.timestamp >= 0xFFFFFF;
  const auto length = static_cast<uint32_t>(message.payload.size());
  basicHeader(0, message.chunk_stream_id, out);
  be24(extended ? 0xFFFFFF : message.timestamp, out);
  be24(length, out);
  out.push_back(message.type);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(message.stream_id >> shift));
  if (extended) be32(message.timestamp, out);
  size_t pos = 0;
  for (;;) {
    const size_t n = std::min<size_t>(chunk_size_, message.payload.size() - pos);
    out.insert(out.end(), message.payload.begin() + static_cast<std::ptrdiff_t>(pos),
               message.payload.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    if (pos >= message.payload.size()) break;
    basicHeader(3, message.chunk_stream_id, out);
    if (extended) be32(message.timestamp, out);
  }
}

}  // namespace airclass::media::ingest::rtmp
