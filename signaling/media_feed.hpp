// What the media side reports about each room once a second, as the server hands it to signaling for the admin
// view: players by protocol (with their viewer ids, for de-duplication) and the broadcast's health. Signaling
// never includes media/: the server converts. Value types: any thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace airclass::signaling {

struct MediaFeed {
  struct Rendition {
    std::string name;
    int width = 0;
    int height = 0;
    double fps = 0;
    double realtime = 0;  // media seconds packaged per wall second (1.0: the transcoder keeps up)
    bool healthy = true;
  };
  struct Room {
    std::string room;
    bool broadcast = false;  // a broadcast exists (live, or in its reconnect grace window)
    bool live = false;       // a publisher is connected
    std::string protocol;    // rtmp | srt | whip | demo
    std::string teacher;
    int64_t started_ms = 0;
    double bitrate_kbps = 0;
    double fps = 0;
    uint64_t dropped_frames = 0;
    std::vector<Rendition> renditions;
    std::vector<std::string> webrtc;  // viewer ids (token sub) of the room's WebRTC sessions, one per session
    std::vector<std::string> hls;     // distinct HLS viewer ids (vid) seen within their expiry
  };
  std::vector<Room> rooms;
};

}  // namespace airclass::signaling
