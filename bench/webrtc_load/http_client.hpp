// A small blocking HTTP/1.1 client for the load client's signaling (WHEP POST/DELETE, Janus's HTTP API) on
// loopback: one keep-alive connection, reopened when the server closes it; bounded response size; a timeout per
// request. Only the load client's thread calls it.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace airclass::bench {

struct HttpResponse {
  int status = 0;
  std::string location;  // the Location header, if any
  std::string body;
};

class HttpClient {
 public:
  static constexpr size_t kMaxResponse = 256 * 1024;

  // `base` is "http://HOST:PORT" (an IPv4 literal or "localhost").
  explicit HttpClient(std::string_view base, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws std::runtime_error on connection errors, timeouts and malformed responses (after one retry on a
  // fresh connection when a kept-alive one turns out closed).
  HttpResponse request(std::string_view method, std::string_view path, std::string_view content_type = {},
                       std::string_view body = {}, std::string_view bearer = {});

 private:
  HttpResponse exchange(const std::string& request);
  void connectSocket();
  void closeSocket();
  void sendAll(std::string_view data);
  bool readMore(std::string& buffer);  // false on EOF

  std::string host_;
  uint16_t port_ = 80;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
};

}  // namespace airclass::bench
