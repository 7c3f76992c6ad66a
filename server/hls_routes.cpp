#include "server/hls_routes.hpp"

#include <chrono>

#include "server/hls_viewer_tracker.hpp"
#include "server/http_router.hpp"

namespace airclass::server {

void addHlsRoutes(HttpRouter& router, std::shared_ptr<const media::hls::HlsHttp> hls,
                  const media::hls::HlsSettings& settings, HlsViewerTracker* tracker) {
  const auto deadline = std::chrono::milliseconds(static_cast<int64_t>(3000.0 * settings.part_duration_s) + 1);
  router.add(HttpMethod::Get, "/hls/", [hls, deadline, tracker](const HttpRequest& request) -> HttpReply {
    media::hls::HlsReply reply = hls->handle(request.path, request.query, request.deadline_passed);
    if (reply.wait && !request.deadline_passed) return HttpReply::waitFor(deadline);
    if (tracker) {
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
      tracker->onRequest(request.path, request.query, reply.wait ? 503 : reply.response.status, now);
    }
    if (reply.wait) return HttpReply::waitFor(deadline);
    return std::move(reply.response);
  });
}

}  // namespace airclass::server
