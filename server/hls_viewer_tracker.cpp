#include "server/hls_viewer_tracker.hpp"

#include <iterator>

namespace airclass::server {
namespace {

bool validId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string_view param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

HlsViewerTracker::HlsViewerTracker(std::chrono::milliseconds expiry, size_t max_ids)
    : expiry_(expiry), max_ids_(max_ids) {}

HlsViewerTracker::RequestType HlsViewerTracker::typeOf(std::string_view path) {
  // /hls/<room>/index.m3u8 (master) | /hls/<room>/<rendition>/{index.m3u8, init-*.mp4, seg-*.m4s, part-*.m4s}
  const size_t slash = path.rfind('/');
  const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t depth = 0;
  for (char c : path) depth += c == '/' ? 1 : 0;
  if (file == "index.m3u8") return depth == 3 ? RequestType::Master : RequestType::Playlist;
  if (file.substr(0, 5) == "init-" && endsWith(file, ".mp4")) return RequestType::Init;
  if (file.substr(0, 4) == "seg-" && endsWith(file, ".m4s")) return RequestType::Segment;
  if (file.substr(0, 5) == "part-" && endsWith(file, ".m4s")) return RequestType::Part;
  return RequestType::Other;
}

std::string_view HlsViewerTracker::toString(RequestType type) {
  switch (type) {
    case RequestType::Master: return "master";
    case RequestType::Playlist: return "playlist";
    case RequestType::Part: return "part";
    case RequestType::Segment: return "segment";
    case RequestType::Init: return "init";
    case RequestType::Other: break;
  }
  return "other";
}

void HlsViewerTracker::onRequest(std::string_view path, std::string_view query, int status, int64_t now_ms) {
  const RequestType type = typeOf(path);
  requests_[{type, status}] += 1;
  if ((type != RequestType::Master && type != RequestType::Playlist) || status >= 400) return;
  const std::string_view vid = param(query, "vid");
  if (!validId(vid) || path.size() < 6) return;
  const std::string_view rest = path.substr(5);  // after "/hls/"
  const std::string_view room = rest.substr(0, rest.find('/'));
  if (room.empty() || room.size() > 64) return;
  auto room_it = rooms_.find(room);
  if (room_it != rooms_.end()) {
    if (auto it = room_it->second.find(vid); it != room_it->second.end()) {
      it->second = now_ms;
      return;
    }
  }
  if (tracked_ >= max_ids_) {
    expire(now_ms);
    if (tracked_ >= max_ids_) return;  // full: this one plays but is not counted
    room_it = rooms_.find(room);       // expiry may have dropped the room
  }
  if (room_it == rooms_.end()) room_it = rooms_.emplace(std::string(room), RoomIds{}).first;
  room_it->second.emplace(std::string(vid), now_ms);
  ++tracked_;
}

void HlsViewerTracker::expire(RoomIds& ids, int64_t limit) {
  for (auto it = ids.begin(); it != ids.end();) {
    if (it->second < limit) {
      it = ids.erase(it);
      --tracked_;
    } else {
      ++it;
    }
  }
}

void HlsViewerTracker::expire(int64_t now_ms) {
  const int64_t limit = now_ms - expiry_.count();
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    expire(it->second, limit);
    it = it->second.empty() ? rooms_.erase(it) : std::next(it);
  }
}

std::map<std::string, std::vector<std::string>> HlsViewerTracker::viewers(int64_t now_ms) {
  expire(now_ms);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [room, ids] : rooms_) {  // both in order: each room goes at the end, each id too
    std::vector<std::string>& list = out.emplace_hint(out.end(), room, std::vector<std::string>{})->second;
    list.reserve(ids.size());
    for (const auto& [vid, seen] : ids) list.push_back(vid);
  }
  return out;
}

}  // namespace airclass::server
