#include "server/whip_routes.hpp"

#include <strings.h>

#include <algorithm>
#include <chrono>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "media/ingest/trickle_fragment.hpp"
#include "media/ingest/whip_offer.hpp"
#include "server/http_replies.hpp"
#include "server/http_router.hpp"
#include "server/whip_gateway.hpp"

namespace airclass::server {
namespace {

using common::Error;
using common::ErrorCode;

constexpr std::string_view kPrefix = "/whip/";
constexpr size_t kMaxName = 64;
constexpr std::chrono::milliseconds kMediaLoopDeadline{5000};

bool validName(std::string_view text, bool hex_only) {
  if (text.empty() || text.size() > kMaxName) return false;
  return std::all_of(text.begin(), text.end(), [hex_only](char c) {
    if (hex_only) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

int64_t nowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The bearer token, checked here so the usual refusals need no trip to the media loop (which checks again).
std::string teacherToken(const HttpRequest& request, const std::string& room, const std::string& secret) {
  const std::string_view auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || strncasecmp(auth.data(), kBearer.data(), kBearer.size()) != 0) {
    throw Error(ErrorCode::Unauthorized, "whip: Authorization: Bearer <token> required");
  }
  std::string token(auth.substr(kBearer.size()));
  const auto claims = common::verifyToken(token, secret, nowUnixSeconds());
  if (!common::mayPublish(claims, room)) {
    throw Error(ErrorCode::Forbidden, "whip: the token may not publish to room " + room);
  }
  return token;
}

common::HttpResponse unauthorized(const Error& e) {
  common::HttpResponse r = jsonError(e.code(), e.what());
  r.headers.emplace_back("www-authenticate", "Bearer");
  return r;
}

// The media type of Content-Type, without parameters, compared case-insensitively.
bool hasType(const HttpRequest& request, std::string_view type) {
  std::string_view value = request.header("content-type");
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value.size() == type.size() && strncasecmp(value.data(), type.data(), type.size()) == 0;
}

// The entity-tag of a resource's ICE session (RFC 9725 4.3.1). We never restart ICE, so it never changes.
std::string etagOf(const std::string& resource) { return "\"" + resource + "\""; }

// If-Match (RFC 9110 13.1.1): absent, "*", or a list holding our (strong) tag.
bool ifMatchHolds(std::string_view header, const std::string& etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

common::HttpResponse withStatus(common::HttpResponse r, int status) {
  r.status = status;
  return r;
}

HttpReply post(const HttpRequest& request, WhipGateway& gateway, const std::string& secret) {
  const auto path = parseWhipPath(request.path);
  if (!path || !path->resource.empty()) {
    return jsonError(ErrorCode::NotFound, "whip: POST to /whip/<room> (room: 1-64 of A-Z a-z 0-9 - _)");
  }
  std::optional<WhipGateway::Outcome> outcome;
  switch (gateway.poll(request.id, outcome)) {
    case WhipGateway::State::Pending:
      if (!request.deadline_passed) return HttpReply::waitFor(kNegotiationDeadline);
      gateway.abandon(request.id);
      return jsonError(ErrorCode::Unavailable, "whip: no answer before the deadline");
    case WhipGateway::State::Ready: {
      if (auto* error = std::get_if<Error>(&*outcome)) {
        if (error->code() == ErrorCode::Unauthorized) return unauthorized(*error);
        return jsonError(error->code(), error->what());
      }
      const auto& answer = std::get<media::ingest::WhipAnswer>(*outcome);
      common::HttpResponse r = common::HttpResponse::text(201, answer.sdp);
      r.content_type = "application/sdp";
      r.headers.emplace_back("location", std::string(kPrefix) + path->room + "/" + answer.id);
      r.headers.emplace_back("etag", etagOf(answer.id));
      return r;
    }
    case WhipGateway::State::Unknown:
      break;
  }
  std::string token;
  try {
    token = teacherToken(request, path->room, secret);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Unauthorized) return unauthorized(e);
    throw;
  }
  if (!hasType(request, "application/sdp")) {
    return jsonError(ErrorCode::Unsupported, "whip: the offer must be Content-Type: application/sdp");
  }
  media::ingest::WhipOffer::check(request.body);  // 400 / 415 now rather than after a trip to the media loop
  gateway.begin(request.id, {path->room, std::move(token), "whip", request.peer}, request.body);
  return HttpReply::waitFor(kNegotiationDeadline);
}

HttpReply remove(const HttpRequest& request, WhipGateway& gateway) {
  const auto path = parseWhipPath(request.path);
  if (!path || path->resource.empty()) return jsonError(ErrorCode::NotFound, "whip: no such resource");
  std::optional<WhipGateway::Outcome> outcome;
  switch (gateway.poll(request.id, outcome)) {
    case WhipGateway::State::Pending:
      if (!request.deadline_passed) return HttpReply::waitFor(kMediaLoopDeadline);
      gateway.abandon(request.id);
      return jsonError(ErrorCode::Unavailable, "whip: the media side did not answer in time");
    case WhipGateway::State::Ready:
      if (std::get<bool>(*outcome)) return common::HttpResponse::text(200, "");
      return jsonError(ErrorCode::NotFound, "whip: no such resource");
    case WhipGateway::State::Unknown:
      break;
  }
  gateway.beginStop(request.id, path->room, path->resource);
  return HttpReply::waitFor(kMediaLoopDeadline);
}

// Trickle ICE (RFC 9725 4.3): the publisher's candidates after its offer, for the session's webrtcbin.
HttpReply patch(const HttpRequest& request, WhipGateway& gateway, const std::string& secret) {
  const auto path = parseWhipPath(request.path);
  if (!path || path->resource.empty()) return jsonError(ErrorCode::NotFound, "whip: PATCH a resource URL");
  std::optional<WhipGateway::Outcome> outcome;
  switch (gateway.poll(request.id, outcome)) {
    case WhipGateway::State::Pending:
      if (!request.deadline_passed) return HttpReply::waitFor(kMediaLoopDeadline);
      gateway.abandon(request.id);
      return jsonError(ErrorCode::Unavailable, "whip: the media side did not answer in time");
    case WhipGateway::State::Ready:
      if (auto* error = std::get_if<Error>(&*outcome)) return jsonError(error->code(), error->what());
      switch (std::get<media::ingest::TrickleResult>(*outcome)) {
        case media::ingest::TrickleResult::Added: {
          common::HttpResponse r;
          r.status = 204;
          return r;
        }
        case media::ingest::TrickleResult::NoSession:
          return jsonError(ErrorCode::NotFound, "whip: no such resource");
        case media::ingest::TrickleResult::IceRestart:
          // RFC 9725 4.3.1: a session that supports trickle ICE but not ICE restarts answers 422.
          return withStatus(jsonError(ErrorCode::Unsupported,
                                      "whip: ICE restarts are not supported (DELETE and publish again)"),
                            422);
      }
      break;
    case WhipGateway::State::Unknown:
      break;
  }
  try {
    teacherToken(request, path->room, secret);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Unauthorized) return unauthorized(e);
    throw;
  }
  if (!hasType(request, "application/trickle-ice-sdpfrag")) {
    return jsonError(ErrorCode::Unsupported, "whip: PATCH takes Content-Type: application/trickle-ice-sdpfrag");
  }
  const std::string_view if_match = request.header("if-match");
  if (!if_match.empty() && !ifMatchHolds(if_match, etagOf(path->resource))) {
    return withStatus(jsonError(ErrorCode::Conflict, "whip: If-Match does not match the ICE session's ETag"), 412);
  }
  auto fragment = media::ingest::TrickleFragment::parse(request.body);  // 400 now rather than on the media loop
  gateway.beginTrickle(request.id, path->room, path->resource, std::move(fragment));
  return HttpReply::waitFor(kMediaLoopDeadline);
}

}  // namespace

std::optional<WhipPath> parseWhipPath(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  const size_t slash = path.find('/');
  WhipPath out;
  out.room = std::string(path.substr(0, slash));
  if (!validName(out.room, false)) return std::nullopt;
  if (slash != std::string_view::npos) {
    out.resource = std::string(path.substr(slash + 1));
    if (!validName(out.resource, true)) return std::nullopt;
  }
  return out;
}

void addWhipRoutes(HttpRouter& router, WhipGateway& gateway, std::string secret) {
  router.add(HttpMethod::Post, std::string(kPrefix), [&gateway, secret](const HttpRequest& request) {
    return post(request, gateway, secret);
  });
  router.add(HttpMethod::Delete, std::string(kPrefix), [&gateway](const HttpRequest& request) {
    return remove(request, gateway);
  });
  router.add(HttpMethod::Patch, std::string(kPrefix), [&gateway, secret](const HttpRequest& request) {
    return patch(request, gateway, secret);
  });
}

}  // namespace airclass::server
