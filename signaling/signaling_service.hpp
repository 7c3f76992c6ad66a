// The signaling subsystem as the server sees it: the "airclass-ws" websocket protocol, the REST handlers and the
// media events, over a ClassroomService, its SQLite store (own thread) and the lws adapter. Lws service thread
// (the constructor and destructor: the thread that owns the lws context, before/after serving). Destroy the lws
// context before this object: the registered protocol points into it.
#pragma once
#include <libwebsockets.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/http_response.hpp"
#include "signaling/admin_api.hpp"
#include "signaling/admin_stats.hpp"
#include "signaling/attendance_report.hpp"
#include "signaling/media_feed.hpp"

namespace airclass::signaling {

class Clock;
class ClassroomService;
class RestApi;
class SignalingStore;
class WsServer;

class SignalingService {
 public:
  // Opens <config.data_dir>/signaling.db (creating the directory); throws common::Error on failure.
  explicit SignalingService(const common::Config& config);
  // For tests: an injected clock (must outlive the service).
  SignalingService(const common::Config& config, const Clock& clock);
  ~SignalingService();
  SignalingService(const SignalingService&) = delete;
  SignalingService& operator=(const SignalingService&) = delete;

  const lws_protocols& protocol();  // "airclass-ws"; its user pointer leads back to this service's adapter
  common::HttpResponse handleRest(std::string_view method, std::string_view path, std::string_view query,
                                  std::string_view authorization_header, std::string_view body = {});
  void onBroadcastStarted(const std::string& room, const std::string& hls_url);
  void onBroadcastEnded(const std::string& room);
  void tick();      // every ~100 ms - 1 s: timeouts, coalesced counts
  void shutdown();  // close sessions cleanly, flush the store

  // Admin side (lws service thread).
  void setMediaFeed(std::shared_ptr<const MediaFeed> feed);  // the media report, once a second (shared, not copied)
  void setAdminHooks(AdminHooks hooks);    // media-side admin actions
  // Told when a class session ends, with its attendance (read from the store: only set it when needed).
  void setSessionEndedListener(std::function<void(const AttendanceReport&)> listener);
  struct Metrics {
    uint64_t joins = 0;
    uint64_t leaves = 0;
    uint64_t ws_in = 0;
    uint64_t ws_out = 0;
    std::vector<AdminStats::RoomNumbers> rooms;  // as of the last second
  };
  Metrics metrics() const;

 private:
  void init(const common::Config& config);

  std::unique_ptr<Clock> own_clock_;
  const Clock& clock_;
  std::unique_ptr<SignalingStore> store_;
  std::unique_ptr<WsServer> ws_;
  std::unique_ptr<ClassroomService> classroom_;
  std::unique_ptr<RestApi> rest_;
  std::unique_ptr<AdminStats> admin_stats_;
  std::unique_ptr<AdminApi> admin_api_;
  std::function<void(const AttendanceReport&)> session_ended_;
  double min_ratio_ = 0.8;
};

}  // namespace airclass::signaling
