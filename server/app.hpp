// The airclass process: wires media (its own Asio loop and thread), signaling and the HTTP server (its own lws
// thread) from one Config, serves until SIGINT/SIGTERM and shuts down in order. Main thread only.
#pragma once
#include <memory>

#include "common/config.hpp"

namespace airclass::server {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later; App::waitForSignal()
// then takes them with sigwait. Call first thing in main.
void blockTerminationSignals();

class App {
 public:
  explicit App(common::Config config);
  ~App();  // stop()
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Creates the data dir, starts media (RTMP, SRT, the demo source), signaling and HTTP.
  // Throws common::Error naming the part (and config key) that could not start.
  void start();
  // Blocks until SIGINT or SIGTERM.
  void waitForSignal();
  // Graceful shutdown: stop accepting (RTMP, SRT, HTTP), end the broadcasts, stop the demo, stop the loops and
  // join the threads. Idempotent.
  void stop();

  int httpPort() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airclass::server
