#include "server/http_router.hpp"

#include <exception>

#include "common/log.hpp"
#include "server/http_replies.hpp"

namespace airclass::server {
namespace {

bool matches(const std::string& prefix, const std::string& path) {
  if (!prefix.empty() && prefix.back() == '/') return path.compare(0, prefix.size(), prefix) == 0;
  return path == prefix;
}

}  // namespace

void HttpRouter::add(HttpMethod method, std::string prefix, HttpHandler handler) {
  routes_.push_back(Route{method, std::move(prefix), std::move(handler)});
}

HttpReply HttpRouter::route(const HttpRequest& request) const {
  const HttpMethod method = request.method == HttpMethod::Head ? HttpMethod::Get : request.method;
  const Route* best = nullptr;
  bool path_known = false;
  for (const Route& r : routes_) {
    if (!matches(r.prefix, request.path)) continue;
    path_known = true;
    if (r.method != method) continue;
    if (!best || r.prefix.size() > best->prefix.size()) best = &r;
  }
  if (!best) {
    if (path_known) {
      common::HttpResponse r = jsonError(common::ErrorCode::BadRequest, "method not allowed");
      r.status = 405;
      return r;
    }
    return jsonError(common::ErrorCode::NotFound, "no such resource: " + request.path);
  }
  try {
    return best->handler(request);
  } catch (const common::Error& e) {
    return jsonError(e.code(), e.what());
  } catch (const std::exception& e) {
    common::log::error("server", "http", "route failed", {{"path", request.path}, {"error", e.what()}});
    return jsonError(common::ErrorCode::Internal, "internal error");
  }
}

}  // namespace airclass::server
