#include "server/static_routes.hpp"

#include "server/http_router.hpp"

namespace airclass::server {

void addStaticRoutes(HttpRouter& router, std::shared_ptr<const StaticFiles> files) {
  router.add(HttpMethod::Get, "/", [files](const HttpRequest& request) { return files->serve(request.path); });
}

}  // namespace airclass::server
