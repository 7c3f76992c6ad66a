// WHIP ingest over HTTP (RFC 9725): POST /whip/<room> with Authorization: Bearer <teacher JWT> and an SDP offer
// -> 201 Created, Location: /whip/<room>/<id>, ETag, the SDP answer (every server candidate in it); DELETE
// /whip/<room>/<id> ends the publish (the room then waits out its reconnect grace window, like an RTMP
// disconnect); PATCH /whip/<room>/<id> with the same token and an application/trickle-ice-sdpfrag body (trickle
// ICE: the publisher's candidates after its offer) -> 204. The media loop answers (webrtcbin): the request is
// parked until it has, 503 after the deadline.
// Errors (JSON): 400 bad SDP or fragment, 401 no/bad token, 403 not this room's teacher, 404 unknown resource,
// 409 room already has a publisher, 412 PATCH If-Match not our ETag, 415 wrong Content-Type or no usable codec,
// 422 PATCH with other ICE credentials (an ICE restart: not supported), 503 busy or too slow.
// Registered once before the HTTP server starts; handlers run on the HTTP thread.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace airclass::server {

class HttpRouter;
class WhipGateway;

inline constexpr std::chrono::milliseconds kNegotiationDeadline{10000};

struct WhipPath {
  std::string room;
  std::string resource;  // empty for /whip/<room>
};

// "/whip/<room>" or "/whip/<room>/<id>": room 1-64 of [A-Za-z0-9_-], id 1-64 of [0-9a-f]. Pure; any thread.
std::optional<WhipPath> parseWhipPath(std::string_view path);

void addWhipRoutes(HttpRouter& router, WhipGateway& gateway, std::string secret);

}  // namespace airclass::server
