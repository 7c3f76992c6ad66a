// One parsed HTTP request as the routes see it, and a route's reply (an answer now, or "wait": park the request
// and ask again on the next wake-up or at the deadline). Value types; made and used on the HTTP thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_response.hpp"

namespace airclass::server {

enum class HttpMethod { Get, Head, Post, Put, Patch, Delete, Options, Other };
std::string_view toString(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::Get;
  std::string path;   // decoded by lws, without the query
  std::string query;  // "a=1&b=2" (empty when none)
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names; a fixed set (see http_server)
  std::string body;   // POST/PUT/PATCH, bounded by the server
  std::string peer;   // remote address
  bool deadline_passed = false;  // a parked request's last call: the route must answer now
  uint64_t id = 0;  // unique per request in this process: a parked route finds its pending work by it

  // The value of a header (lower-case name), empty when absent.
  std::string_view header(std::string_view name) const;
  // The value of a query parameter, empty when absent.
  std::string queryParam(std::string_view name) const;
};

struct HttpReply {
  bool wait = false;                     // park the request; the route is called again later
  std::chrono::milliseconds deadline{0}; // when waiting: how long at most, from the first park
  common::HttpResponse response;

  HttpReply() = default;
  HttpReply(common::HttpResponse r) : response(std::move(r)) {}  // NOLINT: implicit on purpose
  static HttpReply waitFor(std::chrono::milliseconds deadline) {
    HttpReply r;
    r.wait = true;
    r.deadline = deadline;
    return r;
  }
};

}  // namespace airclass::server
