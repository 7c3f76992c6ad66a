#include "server/api_routes.hpp"

#include <nlohmann/json.hpp>

#include "server/http_metrics.hpp"
#include "server/http_replies.hpp"
#include "server/http_router.hpp"

namespace airclass::server {

nlohmann::json roomsJson(const media::RoomList& rooms) {
  nlohmann::json list = nlohmann::json::array();
  for (const media::RoomSummary& room : rooms) {
    nlohmann::json renditions = nlohmann::json::array();
    for (const media::RenditionSummary& r : room.renditions) {
      renditions.push_back(
          {{"name", r.name}, {"width", r.width}, {"height", r.height}, {"bandwidth", r.bandwidth_bps}});
    }
    list.push_back({{"room", room.room},
                    {"live", room.live},
                    {"protocol", room.protocol},
                    {"teacher", room.teacher},
                    {"started_at", room.started_at_ms},
                    {"renditions", std::move(renditions)},
                    {"hls", "/hls/" + room.room + "/index.m3u8"}});
  }
  return {{"rooms", std::move(list)}};
}

void addApiRoutes(HttpRouter& router, ApiSources sources) {
  auto shared = std::make_shared<const ApiSources>(std::move(sources));

  router.add(HttpMethod::Get, "/api/v1/rooms", [shared](const HttpRequest&) {
    const auto rooms = shared->rooms ? shared->rooms() : nullptr;
    return jsonResponse(200, roomsJson(rooms ? *rooms : media::RoomList{}));
  });

  router.add(HttpMethod::Get, "/healthz", [](const HttpRequest&) { return common::HttpResponse::text(200, "ok\n"); });

  router.add(HttpMethod::Get, "/readyz", [shared](const HttpRequest&) {
    if (shared->ready && !shared->ready()) return jsonError(common::ErrorCode::Unavailable, "not ready");
    return common::HttpResponse::text(200, "ready\n");
  });

  router.add(HttpMethod::Get, "/metrics", [shared](const HttpRequest&) {
    const auto rooms = shared->rooms ? shared->rooms() : nullptr;
    int live = 0;
    if (rooms) {
      for (const auto& room : *rooms) live += room.live ? 1 : 0;
    }
    std::string text =
        "# HELP airclass_rooms_live Rooms with a connected publisher.\n"
        "# TYPE airclass_rooms_live gauge\n"
        "airclass_rooms_live " + std::to_string(live) + "\n"
        "# HELP process_start_time_seconds Start time of the process since the unix epoch in seconds.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds " + std::to_string(shared->start_time_unix_s) + "\n";
    if (shared->metrics) text += shared->metrics->render();
    if (shared->extra_metrics) text += shared->extra_metrics();
    common::HttpResponse r = common::HttpResponse::text(200, std::move(text));
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
}

}  // namespace airclass::server
