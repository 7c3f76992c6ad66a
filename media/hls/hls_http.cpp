#include "media/hls/hls_http.hpp"

#include <algorithm>
#include <cmath>

#include "media/hls/hls_request.hpp"
#include "media/hls/hls_store.hpp"

namespace airclass::media::hls {
namespace {

constexpr const char* kPlaylistType = "application/vnd.apple.mpegurl";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";

HlsReply error(int status, std::string message) {
  HlsReply reply;
  reply.response = common::HttpResponse::text(status, std::move(message) + "\n");
  reply.response.cache_control = "no-cache";
  return reply;
}

HlsReply body(Blob data, const char* type, std::string cache_control) {
  HlsReply reply;
  reply.response.status = 200;
  reply.response.content_type = type;
  reply.response.cache_control = std::move(cache_control);
  reply.response.body = std::move(data);
  return reply;
}

HlsReply waitReply() {
  HlsReply reply;
  reply.wait = true;
  return reply;
}

// Serves the last complete segment's msn, or -1 when none is complete yet.
int64_t lastCompleteMsn(const RenditionSnapshot& r) {
  for (auto it = r.segments.rbegin(); it != r.segments.rend(); ++it) {
    if (it->data) return static_cast<int64_t>(it->msn);
  }
  return static_cast<int64_t>(r.next_msn) - 1;
}

const SegmentSnapshot* findSegment(const RenditionSnapshot& r, uint64_t msn) {
  auto it = std::find_if(r.segments.begin(), r.segments.end(), [msn](const auto& s) { return s.msn == msn; });
  return it == r.segments.end() ? nullptr : &*it;
}

}  // namespace

HlsHttp::HlsHttp(const HlsStore& store, HlsSettings settings) : store_(store), settings_(settings) {}

HlsReply HlsHttp::handle(std::string_view path, std::string_view query, bool deadline_passed) const {
  const HlsRequestParse parsed = parseHlsRequest(path, query);
  if (parsed.status != 200) return error(parsed.status, parsed.error);
  const HlsRequest& req = parsed.request;

  const auto room = store_.room(req.room);
  if (!room) return error(404, "unknown room");
  if (req.kind == HlsRequest::Kind::Master) {
    if (!room->master) return error(404, "room has no playlist yet");
    return body(room->master, kPlaylistType, "no-cache");
  }
  const auto it = room->renditions.find(req.rendition);
  if (it == room->renditions.end() || !it->second) return error(404, "unknown rendition");
  const RenditionSnapshot& r = *it->second;
  const char* media_type = r.audio ? "audio/mp4" : "video/mp4";

  switch (req.kind) {
    case HlsRequest::Kind::MediaPlaylist: {
      if (!r.playlist) return error(404, "no playlist yet");
      if (!req.block_msn || r.ended) return body(r.playlist, kPlaylistType, "no-cache");
      const uint64_t msn = *req.block_msn;
      // RFC 8216bis 6.2.5.2: more than two segments beyond the last one is a client error.
      if (static_cast<int64_t>(std::min<uint64_t>(msn, INT64_MAX / 2)) > lastCompleteMsn(r) + 2) {
        return error(400, "_HLS_msn too far ahead of the live edge");
      }
      // Ready when the requested part (or, without _HLS_part, the whole segment) is in the playlist: it sits
      // before the next part the playlist announces.
      const bool ready = req.block_part
                             ? (msn < r.next_msn || (msn == r.next_msn && *req.block_part < r.next_part))
                             : msn < r.next_msn;
      if (!ready) return deadline_passed ? error(503, "playlist update did not arrive in time") : waitReply();
      // This URL names a playlist that contains at least that part; a cache may keep it for a while, clients
      // asking for later parts use different URLs.
      const int max_age = std::max(1, static_cast<int>(std::ceil(3 * settings_.segment_duration_s)));
      return body(r.playlist, kPlaylistType, "public, max-age=" + std::to_string(max_age));
    }
    case HlsRequest::Kind::Init: {
      const auto init = r.inits.find(req.init_id);
      if (init == r.inits.end() || !init->second) return error(404, "unknown init segment");
      return body(init->second, media_type, kImmutable);
    }
    case HlsRequest::Kind::Segment: {
      const SegmentSnapshot* seg = findSegment(r, req.msn);
      if (!seg || !seg->data) return error(404, "unknown segment");
      return body(seg->data, media_type, kImmutable);
    }
    case HlsRequest::Kind::Part: {
      const SegmentSnapshot* seg = findSegment(r, req.msn);
      if (seg && req.part < static_cast<int>(seg->parts.size()) && seg->parts[static_cast<size_t>(req.part)].data) {
        return body(seg->parts[static_cast<size_t>(req.part)].data, media_type, kImmutable);
      }
      // The part the preload hint announced: answer when it is complete.
      if (!r.ended && req.msn == r.next_msn && req.part == r.next_part) {
        return deadline_passed ? error(503, "part did not arrive in time") : waitReply();
      }
      return error(404, "unknown part");
    }
    case HlsRequest::Kind::Master:
      break;
  }
  return error(404, "not found");
}

}  // namespace airclass::media::hls
