// WHEP (draft-ietf-wish-whep): POST the viewer's recvonly offer to /whep/<room>, 201 + Location + answer back;
// DELETE the Location to leave. Only the load client's thread calls it.
#pragma once
#include <string>

#include "bench/webrtc_load/http_client.hpp"
#include "bench/webrtc_load/signaling.hpp"

namespace airclass::bench {

class WhepSignaling : public Signaling {
 public:
  // `base` "http://127.0.0.1:8080"; `token` a student JWT for the room, or empty.
  WhepSignaling(const std::string& base, std::string room, std::string token);
  SignaledSession open(const LocalDescription& local) override;
  void close(const std::string& id) override;

 private:
  HttpClient http_;
  std::string room_;
  std::string token_;
};

}  // namespace airclass::bench
