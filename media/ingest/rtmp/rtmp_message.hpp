// One reassembled RTMP message and the message type ids. Plain value: any thread.
#pragma once
#include <cstdint>
#include <vector>

namespace airclass::media::ingest::rtmp {

enum class RtmpType : uint8_t {
  SetChunkSize = 1,
  Abort = 2,
  Acknowledgement = 3,
  UserControl = 4,
  WindowAckSize = 5,
  SetPeerBandwidth = 6,
  Audio = 8,
  Video = 9,
  DataAmf3 = 15,
  CommandAmf3 = 17,
  DataAmf0 = 18,
  CommandAmf0 = 20,
  Aggregate = 22,
};

struct RtmpMessage {
  uint32_t chunk_stream_id = 0;
  uint8_t type = 0;          // RtmpType values, others passed through
  uint32_t stream_id = 0;    // message stream id
  uint32_t timestamp = 0;    // ms, 32-bit wrapping
  std::vector<uint8_t> payload;
};

}  // namespace airclass::media::ingest::rtmp
