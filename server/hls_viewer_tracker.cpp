#include "server/hls_viewer_tracker.hpp"

#include <algorithm>

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
  std::string key;
  key.reserve(room.size() + 1 + vid.size());
  key.append(room).append("/").append(vid);
  auto it = last_seen_.find(key);
  if (it != last_seen_.end()) {
    it->second = now_ms;
    return;
  }
  if (last_seen_.size() >= max_ids_) {
    expire(now_ms);
    if (last_seen_.size() >= max_ids_) return;  // full: this one plays but is not counted
  }
  last_seen_.emplace(std::move(key), now_ms);
}

void HlsViewerTracker::expire(int64_t now_ms) {
  const int64_t limit = now_ms - expiry_.count();
  for (auto it = last_seen_.begin(); it != last_seen_.end();) {
    it = it->second < limit ? last_seen_.erase(it) : std::next(it);
  }
}

std::map<std::string, std::vector<std::string>> HlsViewerTracker::viewers(int64_t now_ms) {
  expire(now_ms);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [key, seen] : last_seen_) {
    const size_t slash = key.find('/');
    out[key.substr(0, slash)].push_back(key.substr(slash + 1));
  }
  for (auto& [room, ids] : out) std::sort(ids.begin(), ids.end());
  return out;
}

}  // namespace airclass::server
