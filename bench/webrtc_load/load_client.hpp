// The fan-out load client: opens N viewers against one server at a bounded rate, serves all their sockets from
// one epoll loop on one thread, prints a line of totals every second and, after a warm-up, measures a steady
// window (packets, loss from sequence gaps, server CPU from /proc/<pid>/stat, our own CPU, the host's UDP buffer
// drops), then closes every viewer. Bounded in viewers and time. Only the thread that constructs it calls it.
#pragma once
#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/webrtc_load/signaling.hpp"
#include "bench/webrtc_load/viewer.hpp"
#include "media/webrtc/dtls_certificate.hpp"

namespace airclass::bench {

struct LoadOptions {
  int viewers = 100;
  double ramp_per_second = 100;  // new sessions per second
  int warmup_s = 5;              // after the last viewer connected (or the ramp timed out)
  int measure_s = 20;
  int ramp_timeout_s = 120;
  bool controlling = true;       // WHEP against an ICE-lite server: we nominate
  bool audio = false;
  unsigned verify_every = 1;
  sockaddr_in bind{};            // our sockets' address (port 0)
  int pace_ms = 0;               // > 0: read sockets at most every pace_ms once ramped (more packets per syscall)
  int server_pid = 0;            // for the server's CPU over the window; 0: not measured
  std::string label;             // echoed in the RESULT line
};

class LoadClient {
 public:
  LoadClient(LoadOptions options, std::unique_ptr<Signaling> signaling);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // Runs the whole test; prints progress and a final "RESULT key=value ..." line to stdout. Returns 0 when at
  // least one viewer connected.
  int run();

 private:
  struct Sample;
  void openViewers(int64_t now_ms, int64_t ramp_start_ms);
  static constexpr int kMaxEvents = 256;
  int poll(int timeout_ms, int64_t now_ms);  // how many sockets were ready
  void tick(int64_t now_ms);
  Sample sample(int64_t now_ms) const;
  void report(const Sample& from, const Sample& to) const;
  void closeAll();

  LoadOptions options_;
  std::unique_ptr<Signaling> signaling_;
  media::webrtc::DtlsCertificate certificate_;
  std::mt19937_64 random_;
  int epoll_ = -1;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  RxBatch batch_;
  int signaling_failures_ = 0;
  int logged_failures_ = 0;
};

}  // namespace airclass::bench
