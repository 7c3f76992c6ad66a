// The protocol state machine of one RTMP publisher connection, free of I/O: bytes in, bytes to send out, and
// calls into the PublishGate / Publication. handshake -> connect -> createStream -> publish -> media.
// Media loop only (it calls the Publication).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/ingest/publication.hpp"
#include "media/ingest/rtmp/amf0_value.hpp"
#include "media/ingest/rtmp/flv_tag_parser.hpp"
#include "media/ingest/rtmp/rtmp_chunk_reader.hpp"
#include "media/ingest/rtmp/rtmp_chunk_writer.hpp"
#include "media/ingest/rtmp/rtmp_handshake.hpp"

namespace airclass::media::ingest::rtmp {



class RtmpConnection {
 public:
  struct Settings {
    uint32_t max_message_bytes = 8 * 1024 * 1024;
    std::string peer;  // remote address, for logs and the PublishRequest
  };
  static constexpr uint32_t kOutChunkSize = 4096;
  static constexpr uint32_t kWindowAckSize = 2'500'000;
  static constexpr uint32_t kPublishStreamId = 1;

  RtmpConnection(Settings settings, PublishGate& gate);
  ~RtmpConnection();
  RtmpConnection(const RtmpConnection&) = delete;
  RtmpConnection& operator=(const RtmpConnection&) = delete;

  // Feeds received bytes and appends the bytes to send to `out`. Returns false once the connection must
  // close: send what is in `out`, then close; closeReason() says why. Later calls return false.
  bool onBytes(std::span<const uint8_t> in, std::vector<uint8_t>& out);
  // Ends the publish (the Publication is destroyed), e.g. on a stall or when the socket goes away.
  void endPublish(std::string_view why);

  bool handshakeDone() const { return handshake_.done(); }
  bool publishing() const { return publication_ != nullptr; }
  uint64_t mediaMessages() const { return media_messages_; }
  const std::string& room() const { return room_; }
  const std::string& closeReason() const { return close_reason_; }

 private:
  bool onMessage(RtmpMessage& message, std::vector<uint8_t>& out);
  bool onCommand(std::span<const uint8_t> payload, uint32_t stream_id, std::vector<uint8_t>& out);
  bool onConnect(double txn, const Amf0Value& command_object, std::vector<uint8_t>& out);
  bool onPublish(double txn, const std::string& stream_key, uint32_t stream_id, std::vector<uint8_t>& out);
  bool onMedia(const RtmpMessage& message, std::vector<uint8_t>& out);
  bool deliver(FlvTagParser::Result result, std::vector<uint8_t>& out);
  bool onAggregate(const RtmpMessage& message, std::vector<uint8_t>& out);

  void sendControl(RtmpType type, std::span<const uint8_t> payload, std::vector<uint8_t>& out);
  void sendAmf(uint32_t csid, uint32_t stream_id, std::vector<uint8_t> payload, std::vector<uint8_t>& out);
  void sendResult(double txn, const Amf0Value& properties, const Amf0Value& info, std::vector<uint8_t>& out,
                  const char* name = "_result");
  void sendStatus(uint32_t stream_id, const std::string& level, const std::string& code,
                  const std::string& description, std::vector<uint8_t>& out);
  // Sends an error onStatus for the publish stream, drops the publication and marks the connection closing.
  bool failPublish(const std::string& code, const std::string& description, std::vector<uint8_t>& out);
  bool close(std::string reason);

  Settings settings_;
  PublishGate& gate_;
  RtmpHandshake handshake_;
  RtmpChunkReader reader_;
  RtmpChunkWriter writer_;
  FlvTagParser flv_;
  std::unique_ptr<Publication> publication_;

  bool connected_ = false;
  std::string tc_url_;
  std::string app_query_;  // the part after '?' in the connect app, if any
  std::string room_;
  uint32_t publish_stream_id_ = kPublishStreamId;
  uint32_t peer_window_ = 0;  // the peer's Window Acknowledgement Size: we ack every this many bytes
  uint64_t last_ack_ = 0;
  uint64_t media_messages_ = 0;
  std::string close_reason_;
};

}  // namespace airclass::media::ingest::rtmp
