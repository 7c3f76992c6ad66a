// Maps (method, path prefix) to a route handler; the longest matching prefix wins. Handlers run on the HTTP
// thread and answer synchronously (or ask to wait, see HttpReply). Built before the server starts; read-only
// afterwards, so any thread may call route().
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "server/http_request.hpp"

namespace airclass::server {

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

class HttpRouter {
 public:
  // `prefix` ending in '/' matches every path under it; otherwise the path must equal it.
  // A GET route also answers HEAD (the server drops the body).
  void add(HttpMethod method, std::string prefix, HttpHandler handler);

  // Never throws: common::Error becomes its JSON error reply, anything else a 500; no route: 404 or 405.
  HttpReply route(const HttpRequest& request) const;

 private:
  struct Route {
    HttpMethod method;
    std::string prefix;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace airclass::server
