// The server's side of the admin console and of operations: once a second it gathers the media players and
// health (HLS viewer ids, WebRTC snapshot, room list, rendition monitor) and hands them to signaling, which
// owns the de-duplicated counts; it renders the admin part of /metrics; it relays admin actions to media
// (hooks given to signaling) and turns broadcast and session events into webhooks.
// tick(), metrics(), hlsViewers(): the HTTP thread; onBroadcast*(): any thread; the rest: the owner.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/config.hpp"
#include "media/hls/hls_store.hpp"
#include "media/media_service.hpp"
#include "media/webrtc/fanout.hpp"
#include "server/hls_viewer_tracker.hpp"
#include "server/rendition_monitor.hpp"
#include "server/webhook_sender.hpp"
#include "signaling/signaling_service.hpp"

namespace airclass::server {

class AdminBackend {
 public:
  struct Sources {
    std::function<std::shared_ptr<const media::RoomList>()> rooms;                   // any thread
    std::function<std::shared_ptr<const media::webrtc::FanoutSnapshot>()> webrtc;  // empty: no WebRTC fan-out
    std::function<bool(const std::string& room)> end_broadcast;  // posts to the media loop; false: no broadcast
    std::function<int(const std::string& room, const std::string& user)> kick_webrtc;  // WebRTC sessions closed
  };

  // Throws common::Error(Config) for a bad [webhooks] url.
  AdminBackend(const common::Config& config, const media::hls::HlsStore& store, signaling::SignalingService& signaling,
               Sources sources);
  ~AdminBackend();
  AdminBackend(const AdminBackend&) = delete;
  AdminBackend& operator=(const AdminBackend&) = delete;

  void start();  // the webhook thread, when webhooks are configured
  void stop();

  HlsViewerTracker& hlsViewers() { return hls_viewers_; }
  void tick();  // every HTTP tick; does its work once a second
  std::string metrics() const;

  void onBroadcastStarted(const media::RoomSummary& room);
  void onBroadcastEnded(const std::string& room);

 private:
  void onSessionEnded(const signaling::AttendanceReport& report);

  signaling::SignalingService& signaling_;
  Sources sources_;
  HlsViewerTracker hls_viewers_;
  RenditionMonitor renditions_;
  std::unique_ptr<WebhookSender> webhooks_;
  int64_t last_tick_ms_ = 0;
};

}  // namespace airclass::server
