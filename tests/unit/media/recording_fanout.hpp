// A FanoutInput that records what a room's media hands the fan-out (the tracks, every frame, the end), for
// tests of the media side without sockets. Test thread only.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/webrtc/fanout_input.hpp"

namespace airclass::media::test {

struct RecordingFanout : webrtc::FanoutInput {
  std::map<std::string, std::vector<webrtc::RoomTracks>> tracks;  // every announcement, per room
  std::map<std::string, std::vector<std::shared_ptr<const webrtc::RtpFrame>>> frames;  // per "room/rendition"
  std::vector<std::string> ended;

  void setRoomTracks(const std::string& room, webrtc::RoomTracks t) override { tracks[room].push_back(std::move(t)); }
  void publish(const std::string& room, const std::string& rendition,
               std::shared_ptr<const webrtc::RtpFrame> frame) override {
    frames[room + "/" + rendition].push_back(std::move(frame));
  }
  void endRoom(const std::string& room) override { ended.push_back(room); }

  size_t count(const std::string& key) const {
    auto it = frames.find(key);
    return it == frames.end() ? 0 : it->second.size();
  }
  size_t keyframes(const std::string& key) const {
    auto it = frames.find(key);
    size_t n = 0;
    if (it != frames.end()) {
      for (const auto& f : it->second) n += f->keyframe ? 1 : 0;
    }
    return n;
  }
};

}  // namespace airclass::media::test
