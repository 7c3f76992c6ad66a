// The signaling REST endpoints (/api/v1/rooms/<room>/..., /api/v1/stats) -> SignalingService::handleRest, on
// the HTTP thread that owns signaling. Registered once before the HTTP server starts.
#pragma once

namespace airclass::signaling { class SignalingService; }

namespace airclass::server {

class HttpRouter;

void addSignalingRoutes(HttpRouter& router, signaling::SignalingService& signaling);

}  // namespace airclass::server
