// Builds signaling's per-second MediaFeed from the media side's any-thread sources: the room list (ingest and
// renditions), the HLS viewer ids and the WebRTC fan-out's snapshot (absent while WebRTC is not wired).
// Pure function: any thread (the HTTP thread in practice).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "media/media_service.hpp"
#include "media/webrtc/fanout.hpp"
#include "server/rendition_monitor.hpp"
#include "signaling/media_feed.hpp"

namespace airclass::server {

signaling::MediaFeed buildMediaFeed(const media::RoomList* rooms,
                                    std::map<std::string, std::vector<std::string>> hls_viewers,
                                    const media::webrtc::FanoutSnapshot* webrtc,
                                    const std::map<std::pair<std::string, std::string>, RenditionMonitor::Health>&
                                        renditions);

}  // namespace airclass::server
