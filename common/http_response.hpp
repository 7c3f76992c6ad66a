// A complete HTTP response as the routes produce it; the lws adapter in server/ writes it out. Value type.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace airclass::common {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string cache_control = "no-cache";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Location, ...)
  std::shared_ptr<const std::string> body;                   // shared: serialize once, send many

  static HttpResponse text(int status, std::string body_text) {
    HttpResponse r;
    r.status = status;
    r.body = std::make_shared<const std::string>(std::move(body_text));
    return r;
  }
};

}  // namespace airclass::common
