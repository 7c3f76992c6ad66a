#include "server/signaling_routes.hpp"

#include "server/http_router.hpp"
#include "signaling/signaling_service.hpp"

namespace airclass::server {

void addSignalingRoutes(HttpRouter& router, signaling::SignalingService& signaling) {
  auto forward = [&signaling](const HttpRequest& r) -> HttpReply {
    return signaling.handleRest(toString(r.method == HttpMethod::Head ? HttpMethod::Get : r.method), r.path,
                                r.query, r.header("authorization"), r.body);
  };
  router.add(HttpMethod::Get, "/api/v1/rooms/", forward);
  router.add(HttpMethod::Post, "/api/v1/rooms/", forward);  // admin actions: end, kick, qna
  router.add(HttpMethod::Get, "/api/v1/stats", forward);
  router.add(HttpMethod::Get, "/api/v1/stats/", forward);  // history
  router.add(HttpMethod::Get, "/api/v1/audit", forward);
}

}  // namespace airclass::server
