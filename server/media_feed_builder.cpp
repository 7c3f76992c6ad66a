#include "server/media_feed_builder.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace airclass::server {

signaling::MediaFeed buildMediaFeed(const media::RoomList* rooms,
                                    std::map<std::string, std::vector<std::string>> hls_viewers,
                                    const media::webrtc::FanoutSnapshot* webrtc,
                                    const std::map<std::pair<std::string, std::string>, RenditionMonitor::Health>&
                                        renditions) {
  std::map<std::string, signaling::MediaFeed::Room, std::less<>> by_room;
  std::unordered_map<std::string_view, signaling::MediaFeed::Room*> index;  // views of by_room's keys
  auto entry = [&](const std::string& name) -> signaling::MediaFeed::Room& {
    if (auto it = index.find(name); it != index.end()) return *it->second;
    auto it = by_room.try_emplace(name).first;
    it->second.room = name;
    index.emplace(it->first, &it->second);
    return it->second;
  };
  if (rooms) {
    std::pair<std::string, std::string> key;  // (room, rendition) of the health lookups
    for (const media::RoomSummary& s : *rooms) {
      key.first = s.room;
      auto& r = entry(s.room);
      r.broadcast = true;
      r.live = s.live;
      r.protocol = s.protocol;
      r.teacher = s.teacher;
      r.started_ms = s.started_at_ms;
      r.bitrate_kbps = s.ingest_kbps;
      r.fps = s.ingest_fps;
      r.dropped_frames = s.dropped_frames;
      for (const media::RenditionSummary& rendition : s.renditions) {
        // The rung's output rate: the ingest rate scaled by how fast the rung is packaged (its real-time factor).
        RenditionMonitor::Health h;
        key.second = rendition.name;  // into the buffers of the last lookup: no allocation
        if (auto it = renditions.find(key); it != renditions.end()) h = it->second;
        r.renditions.push_back(signaling::MediaFeed::Rendition{rendition.name, rendition.width, rendition.height,
                                                               s.ingest_fps * std::min(h.realtime, 1.0), h.realtime,
                                                               h.healthy || !s.live});
      }
    }
  }
  for (auto& [room, ids] : hls_viewers) entry(room).hls = std::move(ids);  // taken, not copied
  if (webrtc) {
    signaling::MediaFeed::Room* last = nullptr;  // a session's neighbours are often in the same room
    for (const media::webrtc::ViewerStats& v : webrtc->viewers) {
      if (!last || last->room != v.room) last = &entry(v.room);
      last->webrtc.push_back(v.viewer_id);
    }
  }
  signaling::MediaFeed feed;
  feed.rooms.reserve(by_room.size());
  for (auto& [name, r] : by_room) feed.rooms.push_back(std::move(r));
  return feed;
}

}  // namespace airclass::server
