#include "bench/webrtc_load/whep_signaling.hpp"

#include <stdexcept>
#include <utility>

namespace airclass::bench {

WhepSignaling::WhepSignaling(const std::string& base, std::string room, std::string token)
    : http_(base), room_(std::move(room)), token_(std::move(token)) {}

SignaledSession WhepSignaling::open(const LocalDescription& local) {
  const auto response = http_.request("POST", "/whep/" + room_, "application/sdp", makeRecvOnlyOffer(local), token_);
  if (response.status != 201) {
    throw std::runtime_error("whep: HTTP " + std::to_string(response.status) + " " + response.body.substr(0, 200));
  }
  SignaledSession session;
  session.id = response.location;
  session.remote = parseRemoteDescription(response.body);
  return session;
}

void WhepSignaling::close(const std::string& id) {
  if (id.empty()) return;
  std::string path = id;
  if (path.rfind("http://", 0) == 0) path = path.substr(path.find('/', 7));  // an absolute Location
  http_.request("DELETE", path, {}, {}, token_);
}

}  // namespace airclass::bench
