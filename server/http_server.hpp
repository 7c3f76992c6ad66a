// The HTTP/websocket front door: one libwebsockets context, served by the one thread this class starts and which
// owns every connection. Requests go through an HttpRouter; a route may park a request ("wait"), which is
// retried on every wake-up and once more at its deadline. Websocket upgrades on `ws_path` go to the extra
// protocol named `ws_protocol` (e.g. signaling's); extra protocols get every other lws callback untouched.
// start(), port() and stop() from the owning thread; wake() and post() from any thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <libwebsockets.h>

namespace airclass::server {

class HttpRouter;
class HttpMetrics;

class HttpServer {
 public:
  struct Settings {
    std::string host = "0.0.0.0";  // "0.0.0.0" or empty: every address
    int port = 8080;                // 0: the kernel picks one (see port())
    int max_connections_per_ip = 10000;
    size_t max_body_bytes = 1024 * 1024;  // POST/PUT/PATCH bodies; more is 413
    size_t max_url_bytes = 4096;          // longer paths are 414
    unsigned max_header_bytes = 8192;     // all request headers of one request (lws header table)
    std::string ws_path = "/ws";
    std::string ws_protocol = "airclass-ws";
    std::vector<lws_protocols> protocols;  // extra protocols, no terminator; they live as long as the server
    std::function<void()> on_tick;          // service thread, every tick_interval (e.g. signaling timeouts)
    std::chrono::milliseconds tick_interval{250};
    std::function<void()> on_stop;          // service thread, once, before the connections are closed
  };

  HttpServer(Settings settings, const HttpRouter& router, HttpMetrics& metrics);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Creates the context and starts listening and serving. Throws common::Error(Unavailable) when it cannot.
  void start();
  int port() const;
  // Stops accepting, closes every connection and joins the service thread. Idempotent.
  void stop();

  // Any thread: wakes the service thread, which re-tries parked requests.
  void wake();
  // Any thread: runs `task` on the service thread (dropped after stop()).
  void post(std::function<void()> task);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airclass::server
