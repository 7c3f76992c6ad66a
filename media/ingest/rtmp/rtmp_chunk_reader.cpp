#include "media/ingest/rtmp/rtmp_chunk_reader.hpp"

#include <algorithm>
#include <array>

namespace airclass::media::ingest::rtmp {

namespace {
uint32_t be24(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2]; }
uint32_t be32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | be24(p + 1); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[0];
}
constexpr std::array<size_t, 4> kMessageHeaderSize{11, 7, 3, 0};
constexpr uint32_t kExtendedMarker = 0xFFFFFF;
}  // namespace

bool RtmpChunkReader::fail(std::string message) {
  error_ = "rtmp chunk: " + std::move(message);
  return false;
}

int RtmpChunkReader::failChunk(std::string message) {
  fail(std::move(message));
  return -1;
}

bool RtmpChunkReader::feed(std::span<const uint8_t> data, std::vector<RtmpMessage>& out) {
  if (!error_.empty()) return false;
  bytes_received_ += data.size();
  if (pos_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  for (;;) {
    const int r = parseChunk(out);
    if (r < 0) return false;
    if (r == 0) break;
  }
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  }
  return true;
}

int RtmpChunkReader::parseChunk(std::vector<RtmpMessage>& out) {
  const size_t avail = buffer_.size() - pos_;
  const uint8_t* p = buffer_.data() + pos_;
  if (avail < 1) return 0;
  const unsigned fmt = p[0] >> 6;
  uint32_t csid = p[0] & 0x3F;
  size_t off = 1;
  if (csid == 0) {
    if (avail < 2) return 0;
    csid = 64 + p[1];
    off = 2;
  } else if (csid == 1) {
    if (avail < 3) return 0;
    csid = 64 + p[1] + static_cast<uint32_t>(p[2]) * 256;
    off = 3;
  }
  if (avail < off + kMessageHeaderSize[fmt]) return 0;

  auto it = streams_.find(csid);
  const ChunkStream* prev = it == streams_.end() ? nullptr : &it->second;
  if (!prev && fmt != 0) return failChunk("chunk stream " + std::to_string(csid) + " starts without a type 0 header");
  if (!prev && streams_.size() >= max_chunk_streams_) {
    return failChunk("more than " + std::to_string(max_chunk_streams_) + " chunk streams");
  }

  // The header fields, defaulting to the previous chunk's on this chunk stream.
  uint32_t ts_field = 0;
  uint32_t length = prev ? prev->length : 0;
  uint8_t type = prev ? prev->type : 0;
  uint32_t stream_id = prev ? prev->stream_id : 0;
  const uint8_t* h = p + off;
  if (fmt <= 2) ts_field = be24(h);
  if (fmt <= 1) {
    length = be24(h + 3);
    type = h[6];
  }
  if (fmt == 0) stream_id = le32(h + 7);
  off += kMessageHeaderSize[fmt];

  const bool extended = fmt <= 2 ? ts_field == kExtendedMarker : prev->extended;
  if (extended) {
    if (avail < off + 4) return 0;
    ts_field = be32(p + off);
    off += 4;
  }

  const bool continuation = fmt == 3 && prev->in_progress;
  // A new header while a message is half received: the sender gave up on it (as with Abort).
  const size_t dropped = prev && prev->in_progress && !continuation ? prev->payload.size() : 0;
  if (!continuation && length > max_message_bytes_) {
    return failChunk("message of " + std::to_string(length) + " bytes exceeds [rtmp] max_message_bytes " +
                std::to_string(max_message_bytes_));
  }
  const size_t have = continuation ? prev->payload.size() : 0;
  const size_t n = std::min<size_t>(length - have, chunk_size_);
  if (avail < off + n) return 0;
  if (!continuation && pending_bytes_ - dropped + length > max_message_bytes_ + kPendingSlack) {
    return failChunk("too many bytes in partially received messages");
  }

  // The whole chunk is here: commit.
  ChunkStream& cs = streams_[csid];
  if (!continuation) {
    pending_bytes_ -= dropped;
    switch (fmt) {
      case 0:
        cs.timestamp = ts_field;
        cs.delta = ts_field;
        break;
      case 1:
      case 2:
        cs.delta = ts_field;
        cs.timestamp += ts_field;
        break;
      default:  // fmt 3 starting a new message repeats the previous delta
        if (extended) cs.delta = ts_field;
        cs.timestamp += cs.delta;
        break;
    }
    cs.length = length;
    cs.type = type;
    cs.stream_id = stream_id;
    cs.payload.clear();
    cs.in_progress = true;
  }
  if (fmt <= 2) cs.extended = extended;
  cs.payload.insert(cs.payload.end(), p + off, p + off + n);
  pending_bytes_ += n;
  pos_ += off + n;

  if (cs.payload.size() == cs.length) {
    RtmpMessage message;
    message.chunk_stream_id = csid;
    message.type = cs.type;
    message.stream_id = cs.stream_id;
    message.timestamp = cs.timestamp;
    message.payload = std::move(cs.payload);
    cs.payload = {};
    cs.in_progress = false;
    pending_bytes_ -= message.payload.size();
    if (message.type == static_cast<uint8_t>(RtmpType::SetChunkSize) ||
        message.type == static_cast<uint8_t>(RtmpType::Abort)) {
      return handleControl(message) ? 1 : -1;
    }
    out.push_back(std::move(message));
  }
  return 1;
}

bool RtmpChunkReader::handleControl(const RtmpMessage& message) {
  if (message.payload.size() < 4) return fail("short control message");
  const uint32_t value = be32(message.payload.data());
  if (message.type == static_cast<uint8_t>(RtmpType::SetChunkSize)) {
    const uint32_t size = value & 0x7FFFFFFF;
    if (size < 1 || size > kMaxChunkSize) return fail("chunk size " + std::to_string(size) + " out of 1..65536");
    chunk_size_ = size;
    return true;
  }
  auto it = streams_.find(value);  // Abort: drop the partial message on that chunk stream
  if (it != streams_.end() && it->second.in_progress) {
    pending_bytes_ -= it->second.payload.size();
    it->second.payload = {};
    it->second.in_progress = false;
  }
  return true;
}

}  // namespace airclass::media::ingest::rtmp
