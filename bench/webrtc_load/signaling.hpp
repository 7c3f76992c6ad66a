// How a load-client viewer gets its session: the offer/answer exchange with one kind of server (WHEP, Janus's
// HTTP API), session keep-alives and teardown. Only the load client's thread calls it.
#pragma once
#include <chrono>
#include <string>

#include "bench/webrtc_load/viewer_sdp.hpp"

namespace airclass::bench {

struct SignaledSession {
  std::string id;  // what keepalive() and close() take
  RemoteDescription remote;
};

class Signaling {
 public:
  virtual ~Signaling() = default;
  // Throws std::runtime_error when the server refuses or the exchange fails.
  virtual SignaledSession open(const LocalDescription& local) = 0;
  // Zero when the server needs no keep-alives.
  virtual std::chrono::seconds keepaliveInterval() const { return std::chrono::seconds(0); }
  virtual void keepalive(const std::string& /*id*/) {}
  virtual void close(const std::string& id) = 0;
};

}  // namespace airclass::bench
