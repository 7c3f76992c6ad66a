#include "server/whep_routes.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "server/http_router.hpp"

namespace airclass::server {
namespace {

using common::Error;
using common::ErrorCode;

constexpr std::string_view kPrefix = "/whep/";
constexpr size_t kMaxName = 64;  // room names and session ids

bool validName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxName && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "/whep/<room>" or "/whep/<room>/<id>": the room, and the id when there is one. NotFound for anything else.
struct WhepPath {
  std::string room;
  std::string id;
};

WhepPath parsePath(std::string_view path) {
  path.remove_prefix(kPrefix.size());
  WhepPath out;
  const size_t slash = path.find('/');
  out.room = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) out.id = std::string(path.substr(slash + 1));
  if (!validName(out.room) || (slash != std::string_view::npos && !validName(out.id))) {
    throw Error(ErrorCode::NotFound, "whep: no such resource");
  }
  return out;
}

// The media type without parameters, lower case ("Application/SDP; charset=x" -> "application/sdp").
std::string mediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

std::string randomViewerId() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) throw Error(ErrorCode::Internal, "whep: no randomness");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "anon-";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

// The viewer id: the token's `sub` when a bearer token is given (it must be valid and allowed in the room),
// a random anonymous id otherwise.
std::string viewerId(const HttpRequest& request, const std::string& room, const std::string& secret) {
  const std::string_view authorization = request.header("authorization");
  if (authorization.empty()) return randomViewerId();
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) {
    throw Error(ErrorCode::Unauthorized, "whep: Authorization must be \"Bearer <JWT>\"");
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const common::Claims claims = common::verifyToken(authorization.substr(kBearer.size()), secret, now);
  if (!common::mayJoin(claims, room)) throw Error(ErrorCode::Forbidden, "whep: the token is not for room " + room);
  return claims.sub;
}

}  // namespace

void addWhepRoutes(HttpRouter& router, WhepSources sources) {
  auto shared = std::make_shared<const WhepSources>(std::move(sources));
  const std::string prefix(kPrefix);

  router.add(HttpMethod::Post, prefix, [shared](const HttpRequest& request) -> HttpReply {
    const WhepPath path = parsePath(request.path);
    if (!path.id.empty()) throw Error(ErrorCode::NotFound, "whep: POST to /whep/<room> only");
    if (mediaType(request.header("content-type")) != "application/sdp") {
      throw Error(ErrorCode::Unsupported, "whep: the offer must be Content-Type application/sdp");
    }
    if (request.body.empty()) throw Error(ErrorCode::BadRequest, "whep: empty SDP offer");
    media::webrtc::ViewerRequest viewer;
    viewer.room = path.room;
    viewer.viewer_id = viewerId(request, path.room, shared->auth_secret);
    viewer.offer_sdp = request.body;
    viewer.rendition = request.queryParam("rendition");
    if (!viewer.rendition.empty() && !validName(viewer.rendition)) {
      throw Error(ErrorCode::BadRequest, "whep: bad rendition name");
    }
    const media::webrtc::ViewerSession session = shared->add_viewer(viewer);
    common::log::info("server", "whep", "viewer session created",
                      {{"room", path.room}, {"session", session.id}, {"viewer", viewer.viewer_id}, {"peer", request.peer}});
    common::HttpResponse r = common::HttpResponse::text(201, session.answer_sdp);
    r.content_type = "application/sdp";
    r.headers.emplace_back("location", std::string(kPrefix) + path.room + "/" + session.id);
    return r;
  });

  router.add(HttpMethod::Delete, prefix, [shared](const HttpRequest& request) -> HttpReply {
    const WhepPath path = parsePath(request.path);
    if (path.id.empty() || !shared->remove_viewer(path.id)) {
      throw Error(ErrorCode::NotFound, "whep: no such session");
    }
    common::log::info("server", "whep", "viewer session deleted", {{"room", path.room}, {"session", path.id}});
    return common::HttpResponse::text(200, "");
  });

  // Trickle ICE and ICE restarts (RFC 9725 4.3): an ICE-lite server needs no candidates from the viewer; its
  // end-of-candidates is accepted and ignored.
  router.add(HttpMethod::Patch, prefix, [](const HttpRequest& request) -> HttpReply {
    const WhepPath path = parsePath(request.path);
    if (path.id.empty()) throw Error(ErrorCode::NotFound, "whep: PATCH a session URL");
    if (mediaType(request.header("content-type")) != "application/trickle-ice-sdpfrag") {
      throw Error(ErrorCode::Unsupported, "whep: PATCH takes application/trickle-ice-sdpfrag");
    }
    common::HttpResponse r;
    r.status = 204;
    return r;
  });
}

}  // namespace airclass::server
