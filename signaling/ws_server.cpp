#include "signaling/ws_server.hpp"

#include <cstring>

#include "signaling/classroom_service.hpp"

namespace airclass::signaling {

static_assert(LWS_PRE <= kFrameHeadroom, "Frame headroom must hold the lws websocket header");

WsServer::WsServer(Limits limits) : limits_(limits) {
  protocol_.name = "airclass-ws";
  protocol_.callback = &WsServer::callback;
  protocol_.per_session_data_size = sizeof(SessionSlot);
  // lws allocates this per connection once it is a websocket (0 means 4 KiB). Frames larger than it arrive in
  // several RECEIVE callbacks, which handle() reassembles anyway, so a small buffer costs nothing per message
  // and saves ~3.5 KB per idle student.
  protocol_.rx_buffer_size = 512;
  protocol_.user = this;
}

WsServer::~WsServer() = default;

int WsServer::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  const lws_protocols* proto = lws_get_protocol(wsi);
  if (!proto || !proto->user) return 0;
  return static_cast<WsServer*>(proto->user)->handle(wsi, reason, static_cast<SessionSlot*>(user), in, len);
}

int WsServer::handle(lws* wsi, lws_callback_reasons reason, SessionSlot* slot, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
      if (!slot) return -1;
      slot->id = next_id_++;
      connections_[slot->id].wsi = wsi;
      std::string auth;
      int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
      if (n > 0 && n < 8192) {
        auth.resize(static_cast<size_t>(n) + 1);
        int got = lws_hdr_copy(wsi, auth.data(), n + 1, WSI_TOKEN_HTTP_AUTHORIZATION);
        auth.resize(got > 0 ? static_cast<size_t>(got) : 0);
      }
      if (service_) service_->onOpen(slot->id, auth);
      return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
      if (!slot) return -1;
      auto it = connections_.find(slot->id);
      if (it == connections_.end()) return -1;
      Connection& c = it->second;
      if (c.closing) return 0;
      if (!c.rx_overflow) {
        if (c.rx.size() + len > limits_.max_message_bytes) {
          c.rx_overflow = true;  // discard the rest of this message as it arrives; never buffer it
          c.rx.clear();
          c.rx.shrink_to_fit();
        } else {
          c.rx.append(static_cast<const char*>(in), len);
        }
      }
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        ++messages_in_;
        bool overflow = c.rx_overflow;
        std::string message;
        message.swap(c.rx);
        c.rx_overflow = false;
        if (service_) {
          if (overflow) {
            service_->onMessageTooLarge(slot->id);
          } else {
            service_->onMessage(slot->id, message);
          }
        }
      }
      return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      if (!slot) return -1;
      auto it = connections_.find(slot->id);
      if (it == connections_.end()) return -1;
      return writable(it->second);
    }
    case LWS_CALLBACK_CLOSED: {
      if (!slot) return 0;
      connections_.erase(slot->id);
      if (service_) service_->onClose(slot->id);
      return 0;
    }
    default:
      return 0;
  }
}

int WsServer::writable(Connection& c) {
  if (!c.queue.empty()) {
    FramePtr f = std::move(c.queue.front());
    c.queue.pop_front();
    int wrote = lws_write(c.wsi, f->lwsPayload(), f->size(), LWS_WRITE_TEXT);
    if (wrote < static_cast<int>(f->size())) return -1;
    if (!c.queue.empty()) {
      lws_callback_on_writable(c.wsi);
      return 0;
    }
  }
  if (c.closing) {
    std::string reason = c.close_reason.substr(0, 120);
    lws_close_reason(c.wsi, static_cast<lws_close_status>(c.close_code),
                     reinterpret_cast<unsigned char*>(reason.data()), reason.size());
    return -1;
  }
  return 0;
}

void WsServer::send(PeerId peer, const FramePtr& frame) {
  auto it = connections_.find(peer);
  if (it == connections_.end() || it->second.closing) return;
  Connection& c = it->second;
  if (c.queue.size() >= limits_.send_queue_messages) {
    // A slow reader: drop it rather than let it hold memory or stall anyone. It cannot read a close frame
    // either, so kill the connection; LWS_CALLBACK_CLOSED then tells the service.
    c.queue.clear();
    c.closing = true;
    ++dropped_slow_;
    uint64_t suppressed = 0;
    if (drop_log_.allow(suppressed)) {
      common::log::warn("signaling", "ws", "slow reader dropped: send queue full",
                        {{"peer", std::to_string(peer)}, {"suppressed", std::to_string(suppressed)}});
    }
    lws_set_timeout(c.wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    return;
  }
  const bool was_idle = c.queue.empty();
  c.queue.push_back(frame);
  ++messages_out_;
  if (was_idle) lws_callback_on_writable(c.wsi);
}

void WsServer::close(PeerId peer, CloseCode code, std::string_view reason) {
  auto it = connections_.find(peer);
  if (it == connections_.end() || it->second.closing) return;
  Connection& c = it->second;
  c.closing = true;
  c.close_code = code;
  c.close_reason = std::string(reason);
  lws_set_timeout(c.wsi, PENDING_TIMEOUT_CLOSE_SEND, 5);  // a peer that never reads still goes away
  lws_callback_on_writable(c.wsi);
}

}  // namespace airclass::signaling
