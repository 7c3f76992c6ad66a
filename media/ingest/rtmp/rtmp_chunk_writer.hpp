// Splits outgoing RTMP messages into chunks (type 0 header, then type 3 continuations; extended timestamps
// when needed). No I/O. Owner's thread.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "media/ingest/rtmp/rtmp_message.hpp"

namespace airclass::media::ingest::rtmp {

class RtmpChunkWriter {
 public:
  // Appends the chunks of `message` to `out`.
  void write(const RtmpMessage& message, std::vector<uint8_t>& out) const;
  // Only changes framing; the caller sends the Set Chunk Size message first (with the old size).
  void setChunkSize(uint32_t size) { chunk_size_ = size; }
  uint32_t chunkSize() const { return chunk_size_; }

 private:
  uint32_t chunk_size_ = 128;
};

}  // namespace airclass::media::ingest::rtmp
