// The libwebsockets adapter for /ws ("airclass-ws"): moves bytes between websocket connections and the
// ClassroomService — reassembles bounded incoming messages, keeps one bounded send queue of shared frames per
// connection and drops a connection whose queue overflows (a slow reader never stalls the others).
// Lws service thread only.
#pragma once
#include <libwebsockets.h>

#include <cstdint>
#include <list>
#include <map>
#include <string>

#include "common/log.hpp"
#include "signaling/peer_sink.hpp"

namespace airclass::signaling {

class ClassroomService;

class WsServer final : public PeerSink {
 public:
  struct Limits {
    size_t max_message_bytes = 16 * 1024;
    size_t send_queue_messages = 256;
  };

  explicit WsServer(Limits limits);
  ~WsServer() override;
  WsServer(const WsServer&) = delete;
  WsServer& operator=(const WsServer&) = delete;

  void attach(ClassroomService* service) { service_ = service; }
  // The protocol to register on the vhost; its `user` pointer leads back to this object.
  const lws_protocols& protocol() const { return protocol_; }

  void send(PeerId peer, const FramePtr& frame) override;
  void close(PeerId peer, CloseCode code, std::string_view reason) override;

  size_t connections() const { return connections_.size(); }
  uint64_t droppedSlowReaders() const { return dropped_slow_; }
  uint64_t messagesIn() const { return messages_in_; }    // complete messages received
  uint64_t messagesOut() const { return messages_out_; }  // frames queued to send

  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

 private:
  struct Connection {
    lws* wsi = nullptr;
    std::list<FramePtr> queue;  // not a deque: that allocates ~600 B even while empty, as most queues are
    std::string rx;
    bool rx_overflow = false;
    bool closing = false;
    CloseCode close_code = CloseCode::Normal;
    std::string close_reason;
  };
  struct SessionSlot {  // lws per-session data
    PeerId id;
  };

  int handle(lws* wsi, lws_callback_reasons reason, SessionSlot* slot, void* in, size_t len);
  int writable(Connection& c);

  Limits limits_;
  ClassroomService* service_ = nullptr;
  lws_protocols protocol_{};
  std::map<PeerId, Connection> connections_;
  PeerId next_id_ = 1;
  uint64_t dropped_slow_ = 0;
  uint64_t messages_in_ = 0;
  uint64_t messages_out_ = 0;
  common::log::RateLimit drop_log_{std::chrono::seconds(5)};
};

}  // namespace airclass::signaling
