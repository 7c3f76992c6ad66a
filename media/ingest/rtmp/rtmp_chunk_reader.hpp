// Reassembles RTMP messages from the chunk stream of one connection (basic header fmt 0-3, 1/2/3-byte chunk
// stream ids, extended timestamps, interleaving, Set Chunk Size, Abort). Bounded; no I/O. Owner's thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "media/ingest/rtmp/rtmp_message.hpp"

namespace airclass::media::ingest::rtmp {

class RtmpChunkReader {
 public:
  static constexpr uint32_t kMaxChunkSize = 65536;
  static constexpr size_t kDefaultMaxChunkStreams = 64;

  explicit RtmpChunkReader(uint32_t max_message_bytes, size_t max_chunk_streams = kDefaultMaxChunkStreams)
      : max_message_bytes_(max_message_bytes), max_chunk_streams_(max_chunk_streams) {}

  // Consumes `data`, appending every completed message to `out` (Set Chunk Size and Abort are applied here
  // and not returned). False on a protocol violation or a bound hit; error() says which; the reader is then
  // spent. Partial input is kept until the rest arrives.
  bool feed(std::span<const uint8_t> data, std::vector<RtmpMessage>& out);

  const std::string& error() const { return error_; }
  uint32_t chunkSize() const { return chunk_size_; }
  uint64_t bytesReceived() const { return bytes_received_; }
  size_t bufferedBytes() const { return buffer_.size() - pos_; }

 private:
  struct ChunkStream {
    uint32_t timestamp = 0;   // of the current / last message
    uint32_t delta = 0;       // last timestamp field (delta, or the absolute value after fmt 0)
    uint32_t length = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    bool extended = false;    // the last header carried an extended timestamp
    bool has_header = false;  // a fmt 0 has been seen
    std::vector<uint8_t> payload;  // the message being reassembled
    bool in_progress = false;
  };

  // Parses one chunk from buffer_ at pos_. Returns 1 when a chunk was consumed, 0 when more input is needed,
  // -1 on error.
  int parseChunk(std::vector<RtmpMessage>& out);
  bool fail(std::string message);
  int failChunk(std::string message);
  bool handleControl(const RtmpMessage& message);

  uint32_t max_message_bytes_;
  size_t max_chunk_streams_;
  uint32_t chunk_size_ = 128;
  std::map<uint32_t, ChunkStream> streams_;
  std::vector<uint8_t> buffer_;
  size_t pos_ = 0;
  uint64_t bytes_received_ = 0;
  size_t pending_bytes_ = 0;  // payload bytes of messages still being reassembled, all chunk streams
  static constexpr size_t kPendingSlack = 1 << 20;  // beyond one max-size message, for interleaved audio
  std::string error_;
};

}  // namespace airclass::media::ingest::rtmp
