// webrtc_load: a lean WebRTC fan-out load client (one thread, epoll). See bench/webrtc_fanout.sh.
//   webrtc_load --whep http://127.0.0.1:8080 --room bench [--token JWT] --viewers 1000 ...
//   webrtc_load --janus http://127.0.0.1:8088 --mountpoint 1 --viewers 1000 ...
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "bench/webrtc_load/janus_signaling.hpp"
#include "bench/webrtc_load/load_client.hpp"
#include "bench/webrtc_load/whep_signaling.hpp"

namespace {

constexpr const char* kUsage =
    "usage: webrtc_load (--whep URL --room ROOM [--token JWT] | --janus URL [--mountpoint ID])\n"
    "  [--viewers N=100] [--ramp PER_S=100] [--warmup S=5] [--measure S=20] [--ramp-timeout S=120]\n"
    "  [--audio] [--verify-every N=1] [--pace-ms MS=0] [--bind IPV4=127.0.0.1] [--server-pid PID] [--label TEXT]\n";

int number(const char* text, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (!end || *end || v < lo || v > hi) {
    std::fprintf(stderr, "bad number %s (%d..%d)\n%s", text, lo, hi, kUsage);
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace airclass::bench;
  LoadOptions options;
  std::string whep, janus, room, token;
  int mountpoint = 1;
  std::string bind = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n%s", argv[i], kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--whep") whep = value();
    else if (arg == "--janus") janus = value();
    else if (arg == "--room") room = value();
    else if (arg == "--token") token = value();
    else if (arg == "--mountpoint") mountpoint = number(value(), 1, 1 << 30);
    else if (arg == "--viewers") options.viewers = number(value(), 1, 50000);
    else if (arg == "--ramp") options.ramp_per_second = number(value(), 1, 10000);
    else if (arg == "--warmup") options.warmup_s = number(value(), 0, 600);
    else if (arg == "--measure") options.measure_s = number(value(), 1, 600);
    else if (arg == "--ramp-timeout") options.ramp_timeout_s = number(value(), 1, 3600);
    else if (arg == "--audio") options.audio = true;
    else if (arg == "--verify-every") options.verify_every = static_cast<unsigned>(number(value(), 1, 1000));
    else if (arg == "--bind") bind = value();
    else if (arg == "--pace-ms") options.pace_ms = number(value(), 0, 100);
    else if (arg == "--server-pid") options.server_pid = number(value(), 1, 1 << 30);
    else if (arg == "--label") options.label = value();
    else {
      std::fprintf(stderr, "unknown argument %s\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (whep.empty() == janus.empty() || (!whep.empty() && room.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  options.bind.sin_family = AF_INET;
  if (inet_pton(AF_INET, bind.c_str(), &options.bind.sin_addr) != 1) {
    std::fprintf(stderr, "bad --bind address %s\n", bind.c_str());
    return 2;
  }
  // One socket per viewer: raise the descriptor limit to the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  OPENSSL_init_ssl(0, nullptr);
  try {
    std::unique_ptr<Signaling> signaling;
    if (!whep.empty()) {
      signaling = std::make_unique<WhepSignaling>(whep, room, token);
    } else {
      signaling = std::make_unique<JanusSignaling>(janus, mountpoint);
      options.controlling = false;  // Janus is a full ICE agent and offers: it controls
    }
    if (options.label.empty()) options.label = whep.empty() ? "janus" : "airclass";
    LoadClient client(options, std::move(signaling));
    return client.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webrtc_load: %s\n", e.what());
    return 1;
  }
}
