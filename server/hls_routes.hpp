// GET /hls/... -> media::hls::HlsHttp, with LL-HLS blocking reloads parked in the HTTP server until the store
// changes or about three part targets pass. Registered once before the HTTP server starts.
#pragma once
#include <memory>

#include "media/hls/hls_http.hpp"
#include "media/hls/hls_settings.hpp"

namespace airclass::server {

class HttpRouter;
class HlsViewerTracker;

// `tracker` (optional, HTTP thread) sees every answered request: viewer ids and request metrics.
void addHlsRoutes(HttpRouter& router, std::shared_ptr<const media::hls::HlsHttp> hls,
                  const media::hls::HlsSettings& settings, HlsViewerTracker* tracker = nullptr);

}  // namespace airclass::server
