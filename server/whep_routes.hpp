// WHEP playback (IETF WHEP, RFC 9725 conventions): POST /whep/<room> with a recvonly SDP offer creates a viewer
// session on the WebRTC fan-out (201, Location /whep/<room>/<id>, the SDP answer); DELETE of that URL ends it;
// PATCH (trickle ICE) is accepted and ignored, since our ICE-lite server learns the viewer's address from its
// connectivity checks. Viewing is open like HLS: a token is optional; when given it must be valid and for the
// room (or an admin's), and its `sub` is the viewer id the counts de-duplicate on. Registered once before the HTTP
// server starts; the handlers run on the HTTP thread.
#pragma once
#include <functional>
#include <string>

#include "media/webrtc/fanout.hpp"

namespace airclass::server {

class HttpRouter;

struct WhepSources {
  // Fanout::addViewer and Fanout::removeViewer (any thread); addViewer throws common::Error.
  std::function<media::webrtc::ViewerSession(const media::webrtc::ViewerRequest&)> add_viewer;
  std::function<bool(const std::string& session_id)> remove_viewer;
  std::string auth_secret;  // [auth] secret, to verify an optional bearer token
};

void addWhepRoutes(HttpRouter& router, WhepSources sources);

}  // namespace airclass::server
