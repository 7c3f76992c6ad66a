// The REST and operations routes: GET /api/v1/rooms, /healthz, /readyz, /metrics. Registered once before the
// HTTP server starts; the handlers run on the HTTP thread and read only any-thread sources.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "media/media_service.hpp"

namespace airclass::server {

class HttpRouter;
class HttpMetrics;

struct ApiSources {
  std::function<std::shared_ptr<const media::RoomList>()> rooms;  // any thread (MediaService::rooms)
  std::function<bool()> ready;                                    // media and HTTP are up
  const HttpMetrics* metrics = nullptr;
  int64_t start_time_unix_s = 0;
  std::function<std::string()> extra_metrics;  // HTTP thread: more Prometheus text (the admin backend's)
};

void addApiRoutes(HttpRouter& router, ApiSources sources);

// {"rooms":[{room, live, protocol, teacher, started_at (unix ms), renditions:[...], hls}]}. Pure.
nlohmann::json roomsJson(const media::RoomList& rooms);

}  // namespace airclass::server
