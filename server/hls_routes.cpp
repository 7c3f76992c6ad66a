#include "server/hls_routes.hpp"

#include <chrono>

#include "server/http_router.hpp"

namespace airclass::server {

void addHlsRoutes(HttpRouter& router, std::shared_ptr<const media::hls::HlsHttp> hls,
                  const media::hls::HlsSettings& settings) {
  const auto deadline = std::chrono::milliseconds(static_cast<int64_t>(3000.0 * settings.part_duration_s) + 1);
  router.add(HttpMethod::Get, "/hls/", [hls, deadline](const HttpRequest& request) -> HttpReply {
    media::hls::HlsReply reply = hls->handle(request.path, request.query, request.deadline_passed);
    if (reply.wait) return HttpReply::waitFor(deadline);
    return std::move(reply.response);
  });
}

}  // namespace airclass::server
