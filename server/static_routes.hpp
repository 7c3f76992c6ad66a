// GET / and every path no other route takes -> StaticFiles (the web pages and vendor scripts).
// Registered once before the HTTP server starts.
#pragma once
#include <memory>

#include "server/static_files.hpp"

namespace airclass::server {

class HttpRouter;

void addStaticRoutes(HttpRouter& router, std::shared_ptr<const StaticFiles> files);

}  // namespace airclass::server
