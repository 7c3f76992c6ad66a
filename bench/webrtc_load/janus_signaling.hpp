// Janus's HTTP API for one streaming-plugin viewer: create a session, attach janus.plugin.streaming, "watch" a
// mountpoint, long-poll for Janus's offer, answer with "start"; keep-alives while watching; destroy to leave.
// Here the server offers and the viewer answers. Only the load client's thread calls it.
#pragma once
#include <string>

#include "bench/webrtc_load/http_client.hpp"
#include "bench/webrtc_load/signaling.hpp"

namespace airclass::bench {

class JanusSignaling : public Signaling {
 public:
  // `base` "http://127.0.0.1:8088"; the API is under /janus.
  JanusSignaling(const std::string& base, int mountpoint);
  SignaledSession open(const LocalDescription& local) override;
  std::chrono::seconds keepaliveInterval() const override { return std::chrono::seconds(25); }
  void keepalive(const std::string& id) override;
  void close(const std::string& id) override;

 private:
  HttpClient http_;
  int mountpoint_;
  uint64_t transaction_ = 0;
};

}  // namespace airclass::bench
