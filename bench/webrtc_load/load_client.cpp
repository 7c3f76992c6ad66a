#include "bench/webrtc_load/load_client.hpp"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace airclass::bench {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double processCpuSeconds(int pid) {  // utime + stime of every thread
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The host's UDP counters from /proc/net/snmp: RcvbufErrors and SndbufErrors.
std::pair<uint64_t, uint64_t> udpBufferErrors() {
  std::ifstream in("/proc/net/snmp");
  std::string names, values, line;
  while (std::getline(in, line)) {
    if (line.rfind("Udp: ", 0) == 0) {
      if (names.empty()) names = line;
      else values = line;
    }
  }
  std::istringstream n(names), v(values);
  std::string name, value;
  uint64_t rcv = 0, snd = 0;
  while (n >> name && v >> value) {
    if (name == "RcvbufErrors") rcv = std::stoull(value);
    if (name == "SndbufErrors") snd = std::stoull(value);
  }
  return {rcv, snd};
}

}  // namespace

struct LoadClient::Sample {
  int64_t ms = 0;
  int connected = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t expected = 0;
  uint64_t auth_failures = 0;
  double server_cpu = 0;
  double client_cpu = 0;
  uint64_t rcvbuf_errors = 0;
  uint64_t sndbuf_errors = 0;
  std::vector<uint64_t> per_viewer;  // packets counted so far, by viewer
};

LoadClient::LoadClient(LoadOptions options, std::unique_ptr<Signaling> signaling)
    : options_(std::move(options)), signaling_(std::move(signaling)), random_(std::random_device{}()) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
}

LoadClient::~LoadClient() {
  viewers_.clear();
  if (epoll_ >= 0) ::close(epoll_);
}

void LoadClient::openViewers(int64_t now_ms, int64_t ramp_start_ms) {
  // Bounded rate, and at most a few per loop turn so the sockets keep being served.
  const auto due = static_cast<int>(options_.ramp_per_second * static_cast<double>(now_ms - ramp_start_ms) / 1000.0) + 1;
  const int target = std::min(options_.viewers, due);
  for (int opened = 0; static_cast<int>(viewers_.size()) < target && opened < 8; ++opened) {
    auto viewer = std::make_unique<Viewer>(static_cast<uint32_t>(viewers_.size()), certificate_, options_.bind,
                                           options_.verify_every, random_);
    try {
      auto session = signaling_->open(viewer->local(options_.audio));
      viewer->start(std::move(session), options_.controlling, nowMs());
      viewer->nextKeepaliveMs = now_ms + 1000 * signaling_->keepaliveInterval().count();
    } catch (const std::exception& e) {
      if (++signaling_failures_ <= 5) std::fprintf(stderr, "signaling failed: %s\n", e.what());
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = viewers_.size();
    epoll_ctl(epoll_, EPOLL_CTL_ADD, viewer->fd(), &event);
    viewers_.push_back(std::move(viewer));
    // Signaling blocks: drain the sockets between sessions so a slow server cannot overflow their buffers.
    while (poll(0, now_ms) == kMaxEvents) {
    }
  }
}

int LoadClient::poll(int timeout_ms, int64_t now_ms) {
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_, events, kMaxEvents, timeout_ms);
  for (int i = 0; i < n; ++i) {
    const auto index = events[i].data.u64;
    if (index < viewers_.size()) viewers_[index]->onReadable(batch_, now_ms);
  }
  return n;
}

void LoadClient::tick(int64_t now_ms) {
  const bool keepalives = signaling_->keepaliveInterval().count() > 0;
  for (auto& v : viewers_) {
    const auto before = v->state();
    v->onTick(now_ms);
    if (v->state() == Viewer::State::Failed && before != Viewer::State::Failed && ++logged_failures_ <= 5) {
      std::fprintf(stderr, "%s\n", v->failure().c_str());
    }
    if (keepalives && v->state() == Viewer::State::Connected && now_ms >= v->nextKeepaliveMs) {
      v->nextKeepaliveMs = now_ms + 1000 * signaling_->keepaliveInterval().count();
      try {
        signaling_->keepalive(v->sessionId());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "keepalive failed: %s\n", e.what());
      }
    }
  }
}

LoadClient::Sample LoadClient::sample(int64_t now_ms) const {
  Sample s;
  s.ms = now_ms;
  for (const auto& v : viewers_) {
    if (v->state() == Viewer::State::Connected) ++s.connected;
    const auto t = v->totals();
    s.per_viewer.push_back(t.packets);
    s.packets += t.packets;
    s.bytes += t.bytes;
    s.expected += t.expected;
    s.auth_failures += t.auth_failures;
  }
  if (options_.server_pid > 0) s.server_cpu = processCpuSeconds(options_.server_pid);
  s.client_cpu = selfCpuSeconds();
  std::tie(s.rcvbuf_errors, s.sndbuf_errors) = udpBufferErrors();
  return s;
}

void LoadClient::report(const Sample& from, const Sample& to) const {
  const double seconds = static_cast<double>(to.ms - from.ms) / 1000.0;
  const uint64_t packets = to.packets - from.packets;
  const uint64_t expected = to.expected - from.expected;
  const uint64_t lost = expected > packets ? expected - packets : 0;
  const double loss_pct = expected ? 100.0 * static_cast<double>(lost) / static_cast<double>(expected) : 0;
  const double server_cpu_ms_s = 1000.0 * (to.server_cpu - from.server_cpu) / seconds;
  const int viewers = std::max(1, to.connected);
  // Viewers that got packets during the window: a stalled stream shows no sequence gap, only silence.
  int receiving = 0;
  for (size_t i = 0; i < to.per_viewer.size(); ++i) {
    const uint64_t before = i < from.per_viewer.size() ? from.per_viewer[i] : 0;
    receiving += to.per_viewer[i] > before ? 1 : 0;
  }
  std::vector<int64_t> connect_ms;
  for (const auto& v : viewers_) {
    if (v->state() == Viewer::State::Connected) connect_ms.push_back(v->connectMs());
  }
  std::sort(connect_ms.begin(), connect_ms.end());
  auto pct = [&](double q) {
    return connect_ms.empty() ? 0 : connect_ms[static_cast<size_t>(q * static_cast<double>(connect_ms.size() - 1))];
  };
  std::printf(
      "RESULT label=%s viewers=%d connected=%d receiving=%d window_s=%.1f packets=%llu expected=%llu lost=%llu loss_pct=%.3f "
      "kbps_per_viewer=%.1f pps=%.0f server_cpu_ms_per_s=%.1f server_cpu_ms_per_s_per_viewer=%.4f "
      "client_cpu_pct=%.1f auth_failures=%llu udp_rcvbuf_errors=%llu udp_sndbuf_errors=%llu "
      "connect_ms_p50=%lld connect_ms_p95=%lld signaling_failures=%d\n",
      options_.label.c_str(), static_cast<int>(viewers_.size()), to.connected, receiving, seconds,
      static_cast<unsigned long long>(packets), static_cast<unsigned long long>(expected),
      static_cast<unsigned long long>(lost), loss_pct,
      8.0 * static_cast<double>(to.bytes - from.bytes) / seconds / 1000.0 / viewers,
      static_cast<double>(packets) / seconds, server_cpu_ms_s, server_cpu_ms_s / viewers,
      100.0 * (to.client_cpu - from.client_cpu) / seconds, static_cast<unsigned long long>(to.auth_failures),
      static_cast<unsigned long long>(to.rcvbuf_errors - from.rcvbuf_errors),
      static_cast<unsigned long long>(to.sndbuf_errors - from.sndbuf_errors), static_cast<long long>(pct(0.5)),
      static_cast<long long>(pct(0.95)), signaling_failures_);
  std::fflush(stdout);
}

void LoadClient::closeAll() {
  for (auto& v : viewers_) {
    const bool had_session = !v->sessionId().empty();
    v->close();
    if (!had_session) continue;
    try {
      signaling_->close(v->sessionId());
    } catch (const std::exception&) {
      // the server may already have dropped it
    }
  }
}

int LoadClient::run() {
  const int64_t start = nowMs();
  int64_t next_tick = start;
  int64_t next_print = start + 1000;
  int64_t ramp_done = 0;      // when every viewer connected or failed (or the ramp timed out)
  int64_t window_start = 0;
  int64_t last_poll = start;
  Sample first, previous = sample(start);
  for (;;) {
    int64_t now = nowMs();
    const bool ramping = static_cast<int>(viewers_.size()) < options_.viewers;
    if (ramping) openViewers(now, start);
    if (!ramping && options_.pace_ms > 0) {
      // Let each socket gather a frame or two (bursts of ~3 packets) so one recvmmsg() returns several.
      if (now - last_poll < options_.pace_ms) usleep(static_cast<useconds_t>(1000 * (options_.pace_ms - (now - last_poll))));
      now = nowMs();
      last_poll = now;
      while (poll(0, now) == kMaxEvents) {
      }
    } else {
      poll(ramping ? 0 : 5, now);
    }
    if (now >= next_tick) {
      tick(now);
      next_tick = now + 20;
    }
    if (now < next_print) continue;
    next_print += 1000;
    const Sample s = sample(now);
    int failed = 0;
    for (const auto& v : viewers_) failed += v->state() == Viewer::State::Failed ? 1 : 0;
    const double dt = static_cast<double>(s.ms - previous.ms) / 1000.0;
    const uint64_t dp = s.packets - previous.packets;
    const uint64_t de = s.expected - previous.expected;
    std::printf("t=%5.1f opened=%zu connected=%d failed=%d pps=%.0f kbps=%.0f loss_pct=%.2f server_cpu_pct=%.1f "
                "client_cpu_pct=%.1f\n",
                static_cast<double>(now - start) / 1000.0, viewers_.size(), s.connected, failed,
                static_cast<double>(dp) / dt, 8.0 * static_cast<double>(s.bytes - previous.bytes) / dt / 1000.0,
                de > dp ? 100.0 * static_cast<double>(de - dp) / static_cast<double>(de) : 0.0,
                100.0 * (s.server_cpu - previous.server_cpu) / dt, 100.0 * (s.client_cpu - previous.client_cpu) / dt);
    std::fflush(stdout);
    previous = s;
    if (!ramp_done && !ramping &&
        (s.connected + failed + signaling_failures_ >= options_.viewers ||
         now - start > 1000LL * options_.ramp_timeout_s)) {
      ramp_done = now;
    }
    if (ramp_done && !window_start && now - ramp_done >= 1000LL * options_.warmup_s) {
      window_start = now;
      first = s;
    }
    if (window_start && now - window_start >= 1000LL * options_.measure_s) {
      report(first, s);
      closeAll();
      return s.connected > 0 ? 0 : 1;
    }
  }
}

}  // namespace airclass::bench
