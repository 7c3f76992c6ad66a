// Load client for the classroom signaling service: opens N authenticated student websockets from many
// loopback source addresses on one epoll loop (non-blocking sockets, its own minimal websocket client), joins
// them to one room or spread over many, and measures one of:
//   storm      joins/s accepted (connect -> upgrade -> auth -> joined), paced at --rate or as fast as it goes;
//   idle       the same, then holds the connections (pinging every 10 s) and reports the server's RSS per
//              connection (--pid);
//   broadcast  everyone in one room; a teacher asks --questions questions stamped with the send time and every
//              student measures the delivery latency of the "asked" event;
//   statslag   an admin subscribed to stats during the storm: how far the counts it sees lag the joins.
// Writes a JSON summary to stdout and --out/<mode>.json (+ broadcast_latency.txt). Single thread.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/signaling_load/ws_wire.hpp"
#include "common/auth.hpp"

namespace airclass::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

struct Options {
  std::string mode = "storm";
  int port = 8080;
  std::string secret;
  int n = 1000;
  int rooms = 1;
  int addrs = 64;
  double rate = 0;     // joins/s to start; 0: as fast as --inflight allows
  int inflight = 256;  // connections between connect() and "joined"
  double hold_s = 10;
  int questions = 5;
  int question_interval_ms = 3000;
  int pid = 0;
  std::string out = ".";
  double timeout_s = 120;
};

long rssKb(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

// A number following `key` in a JSON text (good enough for the server's compact output).
long long numberAfter(std::string_view text, std::string_view key, size_t from = 0) {
  const size_t at = text.find(key, from);
  if (at == std::string_view::npos) return -1;
  return std::atoll(std::string(text.substr(at + key.size(), 24)).c_str());
}

class LoadClient {
 public:
  explicit LoadClient(Options o) : o_(std::move(o)) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
  }
  ~LoadClient() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(ep_);
  }

  int run();

 private:
  enum class State { Connecting, Upgrading, Joining, Joined, Closed };
  enum class Kind { Student, Teacher, Admin };
  struct Conn {
    int fd = -1;
    State state = State::Connecting;
    Kind kind = Kind::Student;
    int index = 0;
    std::string room;
    std::string rx;
    std::string tx;
    int64_t started_ns = 0;
    int64_t connected_ns = 0;
    int64_t upgraded_ns = 0;
    int64_t next_ping_ns = 0;
  };

  [[noreturn]] static void die(const char* what) {
    std::perror(what);
    std::exit(2);
  }

  std::string room(int i) const { return "load-" + std::to_string(i % std::max(o_.rooms, 1)); }
  std::string token(Kind kind, int i, const std::string& room_name) const {
    common::Claims c;
    c.role = kind == Kind::Admin ? common::Role::Admin : kind == Kind::Teacher ? common::Role::Teacher : common::Role::Student;
    c.sub = (kind == Kind::Student ? "s" : kind == Kind::Teacher ? "t" : "a") + std::to_string(i);
    c.name = "User " + std::to_string(i);
    c.room = room_name;
    c.exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 7200;
    return common::mintToken(c, o_.secret);
  }

  size_t open(Kind kind, int index, const std::string& room_name);
  void sendText(Conn& c, const std::string& text);
  void flush(Conn& c);
  void onEvent(size_t id, uint32_t events);
  void onMessage(Conn& c, std::string_view text);
  void fail(Conn& c, const char* why);
  void loopOnce(int timeout_ms);
  bool startStudents(int64_t deadline_ns);
  void ping(Conn& c);
  void keepAlive();

  Options o_;
  int ep_ = -1;
  std::vector<Conn> conns_;
  int started_ = 0, joined_ = 0, failed_ = 0, in_flight_ = 0, errors_ = 0, closed_ = 0;
  int64_t first_start_ns_ = 0, last_join_ns_ = 0;
  std::vector<int64_t> join_times_;     // when the k-th "joined" arrived
  std::vector<double> join_latency_ms_; // connect() -> joined, per student
  std::vector<double> connect_ms_, upgrade_ms_, auth_join_ms_;  // its phases: TCP, HTTP upgrade, auth + join
  std::vector<std::pair<int64_t, long long>> stats_seen_;  // (when, totals.total) at the admin
  std::vector<double> delivery_ms_;     // per delivered "asked" event
  std::map<long long, int> delivered_;  // question stamp -> deliveries
  std::map<std::string, int> error_codes_;
  size_t admin_ = SIZE_MAX, teacher_ = SIZE_MAX;
  bool teacher_joined_ = false, admin_ready_ = false;
  uint32_t mask_ = 0x5a17c3e1;
};

size_t LoadClient::open(Kind kind, int index, const std::string& room_name) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket (raise ulimit -n)");
  const int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);  // the port is picked at connect()
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Source 127.1.x.y: each address has its own 64k ephemeral ports and its own per-IP connection budget.
  const int a = index % std::max(o_.addrs, 1);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl((127U << 24) | (1U << 16) | (static_cast<unsigned>(a / 250) << 8) | (static_cast<unsigned>(a % 250) + 1));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) die("bind source address");
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(o_.port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) die("connect");
  conns_.push_back(Conn{});
  Conn& c = conns_.back();
  c.fd = fd;
  c.kind = kind;
  c.index = index;
  c.room = room_name;
  c.started_ns = nowNs();
  c.tx = upgradeRequest("127.0.0.1:" + std::to_string(o_.port), "/ws");
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = conns_.size() - 1;
  if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  return conns_.size() - 1;
}

void LoadClient::sendText(Conn& c, const std::string& text) {
  appendClientText(c.tx, text, mask_);
  flush(c);
}

void LoadClient::flush(Conn& c) {
  while (!c.tx.empty()) {
    const ssize_t n = ::send(c.fd, c.tx.data(), c.tx.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;  // EPOLLOUT stays armed
      fail(c, "send");
      return;
    }
    c.tx.erase(0, static_cast<size_t>(n));
  }
}

void LoadClient::fail(Conn& c, const char* why) {
  if (c.state == State::Closed) return;
  if (c.kind == Kind::Student && c.state != State::Joined) {
    ++failed_;
    --in_flight_;
    if (failed_ <= 5) std::fprintf(stderr, "connection %d failed: %s (%s)\n", c.index, why, std::strerror(errno));
  }
  ++closed_;
  c.state = State::Closed;
  ::close(c.fd);
  c.fd = -1;
  c.rx.clear();
  c.rx.shrink_to_fit();
}

void LoadClient::onEvent(size_t id, uint32_t events) {
  Conn& c = conns_[id];
  if (c.state == State::Closed) return;
  if (events & EPOLLOUT) {
    if (c.state == State::Connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        fail(c, "connect");
        return;
      }
      c.state = State::Upgrading;
      c.connected_ns = nowNs();
    }
    flush(c);
    if (c.state == State::Closed) return;
    if (c.tx.empty()) {  // nothing left to write: stop asking for EPOLLOUT
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = id;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    }
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  char buf[65536];
  while (true) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {
      fail(c, "closed by the server");
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN) break;
      fail(c, "recv");
      return;
    }
    c.rx.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  if (c.state == State::Upgrading) {
    const size_t end = c.rx.find("\r\n\r\n");
    if (end == std::string::npos) return;
    if (c.rx.compare(0, 12, "HTTP/1.1 101") != 0) {
      fail(c, "upgrade refused");
      return;
    }
    c.rx.erase(0, end + 4);
    c.state = State::Joining;
    c.upgraded_ns = nowNs();
    // auth and join pipelined in one write: the server answers them in order.
    const std::string tok = token(c.kind, c.index, c.room);
    std::string batch = "{\"v\":1,\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + tok + "\"}";
    appendClientText(c.tx, batch, mask_);
    if (c.kind == Kind::Admin) {
      appendClientText(c.tx, "{\"v\":1,\"type\":\"subscribe_stats\",\"id\":\"s\",\"enabled\":true}", mask_);
    } else {
      appendClientText(c.tx, "{\"v\":1,\"type\":\"join\",\"id\":\"j\",\"room\":\"" + c.room + "\"}", mask_);
    }
    flush(c);
    if (!c.tx.empty()) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.u64 = id;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    }
  }
  size_t pos = 0;
  while (c.state != State::Closed) {
    ServerFrame f;
    bool bad = false;
    if (!parseServerFrame(std::string_view(c.rx).substr(pos), f, bad)) {
      if (bad) fail(c, "bad frame");
      break;
    }
    pos += f.consumed;
    if (f.opcode == 8) {
      fail(c, "close frame");
      return;
    }
    if (f.opcode == 1) onMessage(c, f.payload);
  }
  if (c.state != State::Closed) c.rx.erase(0, pos);
}

void LoadClient::onMessage(Conn& c, std::string_view text) {
  const int64_t now = nowNs();
  auto is = [&](std::string_view type) { return text.find(std::string("\"type\":\"") + std::string(type) + "\"") != std::string_view::npos; };
  if (is("error")) {
    ++errors_;
    const size_t at = text.find("\"code\":\"");
    if (at != std::string_view::npos) {
      const size_t end = text.find('"', at + 8);
      error_codes_[std::string(text.substr(at + 8, end - at - 8))]++;
    }
    return;
  }
  if (c.state == State::Joining && is("joined")) {
    c.state = State::Joined;
    c.next_ping_ns = now + 10'000'000'000LL + (c.index % 1000) * 10'000'000LL;
    if (c.kind == Kind::Teacher) {
      teacher_joined_ = true;
      return;
    }
    ++joined_;
    --in_flight_;
    last_join_ns_ = now;
    join_times_.push_back(now);
    join_latency_ms_.push_back(static_cast<double>(now - c.started_ns) / 1e6);
    connect_ms_.push_back(static_cast<double>(c.connected_ns - c.started_ns) / 1e6);
    upgrade_ms_.push_back(static_cast<double>(c.upgraded_ns - c.connected_ns) / 1e6);
    auth_join_ms_.push_back(static_cast<double>(now - c.upgraded_ns) / 1e6);
    return;
  }
  if (c.kind == Kind::Admin && is("stats")) {
    if (c.state == State::Joining) {
      c.state = State::Joined;
      admin_ready_ = true;
    }
    const size_t totals = text.find("\"totals\"");
    if (totals != std::string_view::npos) stats_seen_.emplace_back(now, numberAfter(text, "\"total\":", totals));
    return;
  }
  if (c.kind == Kind::Student && is("qna") && text.find("\"action\":\"asked\"") != std::string_view::npos) {
    const long long stamp = numberAfter(text, "T=");
    if (stamp > 0) {
      delivery_ms_.push_back(static_cast<double>(now - stamp) / 1e6);
      delivered_[stamp]++;
    }
  }
}

void LoadClient::ping(Conn& c) {
  sendText(c, "{\"v\":1,\"type\":\"ping\",\"id\":\"p\"}");
  c.next_ping_ns = nowNs() + 10'000'000'000LL;
}

void LoadClient::keepAlive() {
  const int64_t now = nowNs();
  for (Conn& c : conns_) {
    if (c.state == State::Joined && now >= c.next_ping_ns) ping(c);
  }
}

void LoadClient::loopOnce(int timeout_ms) {
  static epoll_event events[1024];
  const int n = epoll_wait(ep_, events, 1024, timeout_ms);
  for (int i = 0; i < n; ++i) onEvent(static_cast<size_t>(events[i].data.u64), events[i].events);
}

// Starts students at the pace asked for until all N joined (or failed); false on timeout.
bool LoadClient::startStudents(int64_t deadline_ns) {
  first_start_ns_ = nowNs();
  int64_t last_keepalive = first_start_ns_;
  while (joined_ + failed_ < o_.n) {
    const int64_t now = nowNs();
    if (now > deadline_ns) return false;
    const double elapsed = static_cast<double>(now - first_start_ns_) / 1e9;
    const int due = o_.rate > 0 ? std::min(o_.n, static_cast<int>(elapsed * o_.rate) + 1) : o_.n;
    while (started_ < due && in_flight_ < o_.inflight) {
      open(Kind::Student, started_, room(started_));
      ++started_;
      ++in_flight_;
    }
    loopOnce(started_ < due ? 0 : 1);
    if (now - last_keepalive > 1'000'000'000LL) {
      keepAlive();
      last_keepalive = now;
    }
  }
  return true;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

int LoadClient::run() {
  const long rss_before = rssKb(o_.pid);
  const int64_t deadline = nowNs() + static_cast<int64_t>(o_.timeout_s * 1e9);
  conns_.reserve(static_cast<size_t>(o_.n) + 2);
  if (o_.mode == "statslag") {
    admin_ = open(Kind::Admin, 0, "");
    while (!admin_ready_ && nowNs() < deadline) loopOnce(10);
  }
  if (o_.mode == "broadcast") {
    teacher_ = open(Kind::Teacher, 0, room(0));
    while (!teacher_joined_ && nowNs() < deadline) loopOnce(10);
  }
  const bool complete = startStudents(deadline);
  const double storm_s = static_cast<double>(last_join_ns_ - first_start_ns_) / 1e9;
  const long rss_joined = rssKb(o_.pid);

  std::string extra;
  if (o_.mode == "idle") {
    const int64_t until = nowNs() + static_cast<int64_t>(o_.hold_s * 1e9);
    while (nowNs() < until) {
      loopOnce(100);
      keepAlive();
    }
    const long rss_idle = rssKb(o_.pid);
    const int alive = joined_ - (closed_ - failed_);
    extra = ",\"rss_before_kb\":" + std::to_string(rss_before) + ",\"rss_joined_kb\":" + std::to_string(rss_joined) +
            ",\"rss_idle_kb\":" + std::to_string(rss_idle) + ",\"alive\":" + std::to_string(alive) +
            ",\"rss_per_conn_bytes\":" + fmt(alive > 0 ? rss_idle * 1024.0 / alive : 0) +
            ",\"rss_delta_per_conn_bytes\":" + fmt(alive > 0 ? (rss_idle - rss_before) * 1024.0 / alive : 0);
  } else if (o_.mode == "broadcast") {
    // Let the join storm's presence updates drain first.
    const int64_t settle = nowNs() + 3'000'000'000LL;
    while (nowNs() < settle) loopOnce(50);
    for (int q = 0; q < o_.questions; ++q) {
      const int64_t stamp = nowNs();
      sendText(conns_[teacher_], "{\"v\":1,\"type\":\"ask\",\"id\":\"q" + std::to_string(q) +
                                     "\",\"text\":\"load question T=" + std::to_string(stamp) + " \"}");
      const int64_t until = stamp + static_cast<int64_t>(o_.question_interval_ms) * 1'000'000LL;
      while (nowNs() < until) {
        loopOnce(5);
        keepAlive();
      }
    }
    std::ofstream lat(o_.out + "/broadcast_latency.txt");
    for (double v : delivery_ms_) lat << v << "\n";
    int full = 0;
    for (const auto& [stamp, count] : delivered_) full += count >= joined_ ? 1 : 0;
    extra = ",\"questions\":" + std::to_string(o_.questions) + ",\"deliveries\":" + std::to_string(delivery_ms_.size()) +
            ",\"expected\":" + std::to_string(static_cast<long long>(o_.questions) * joined_) +
            ",\"questions_fully_delivered\":" + std::to_string(full) +
            ",\"delivery_p50_ms\":" + fmt(percentile(delivery_ms_, 0.5)) +
            ",\"delivery_p90_ms\":" + fmt(percentile(delivery_ms_, 0.9)) +
            ",\"delivery_p99_ms\":" + fmt(percentile(delivery_ms_, 0.99)) +
            ",\"delivery_max_ms\":" + fmt(percentile(delivery_ms_, 1.0));
  } else if (o_.mode == "statslag") {
    // Wait for the admin's view to catch up with the last join.
    const int64_t until = nowNs() + 5'000'000'000LL;
    while (nowNs() < until && (stats_seen_.empty() || stats_seen_.back().second < joined_)) loopOnce(10);
    // Lag of an update showing C participants: its arrival minus when the C-th join was confirmed (the server
    // counted it just before); the final one: when the admin first saw all N minus the last join.
    std::vector<double> lags;
    for (const auto& [when, total] : stats_seen_) {
      if (total <= 0 || total > static_cast<long long>(join_times_.size())) continue;
      lags.push_back(static_cast<double>(when - join_times_[static_cast<size_t>(total - 1)]) / 1e6);
    }
    double final_lag = -1;
    for (const auto& [when, total] : stats_seen_) {
      if (total >= joined_ && joined_ > 0) {
        final_lag = static_cast<double>(when - last_join_ns_) / 1e6;
        break;
      }
    }
    // Staleness: how many joins the server had confirmed that an update did not show yet.
    long long worst_behind = 0;
    for (const auto& [when, total] : stats_seen_) {
      const auto confirmed = std::upper_bound(join_times_.begin(), join_times_.end(), when) - join_times_.begin();
      worst_behind = std::max(worst_behind, static_cast<long long>(confirmed) - total);
    }
    extra = ",\"stats_updates\":" + std::to_string(stats_seen_.size()) + ",\"lag_p50_ms\":" + fmt(percentile(lags, 0.5)) +
            ",\"lag_max_ms\":" + fmt(percentile(lags, 1.0)) + ",\"final_lag_ms\":" + fmt(final_lag) +
            ",\"worst_joins_not_shown\":" + std::to_string(worst_behind);
  }
  std::string codes;
  for (const auto& [code, count] : error_codes_) codes += (codes.empty() ? "" : ",") + ("\"" + code + "\":" + std::to_string(count));
  const std::string summary =
      "{\"mode\":\"" + o_.mode + "\",\"n\":" + std::to_string(o_.n) + ",\"rooms\":" + std::to_string(o_.rooms) +
      ",\"source_addresses\":" + std::to_string(o_.addrs) + ",\"rate_asked\":" + fmt(o_.rate) +
      ",\"complete\":" + (complete ? "true" : "false") + ",\"joined\":" + std::to_string(joined_) +
      ",\"failed\":" + std::to_string(failed_) + ",\"errors\":{" + codes + "}" +
      ",\"storm_ms\":" + fmt(storm_s * 1000) + ",\"joins_per_s\":" + fmt(storm_s > 0 ? joined_ / storm_s : 0) +
      ",\"join_p50_ms\":" + fmt(percentile(join_latency_ms_, 0.5)) +
      ",\"join_p99_ms\":" + fmt(percentile(join_latency_ms_, 0.99)) +
      ",\"phase_p50_ms\":{\"connect\":" + fmt(percentile(connect_ms_, 0.5)) + ",\"upgrade\":" +
      fmt(percentile(upgrade_ms_, 0.5)) + ",\"auth_join\":" + fmt(percentile(auth_join_ms_, 0.5)) + "}" + extra + "}";
  std::printf("%s\n", summary.c_str());
  std::ofstream(o_.out + "/" + o_.mode + ".json") << summary << "\n";
  return complete ? 0 : 1;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--mode") o.mode = v;
    else if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--secret") o.secret = v;
    else if (k == "--n") o.n = std::atoi(v.c_str());
    else if (k == "--rooms") o.rooms = std::atoi(v.c_str());
    else if (k == "--addrs") o.addrs = std::atoi(v.c_str());
    else if (k == "--rate") o.rate = std::atof(v.c_str());
    else if (k == "--inflight") o.inflight = std::atoi(v.c_str());
    else if (k == "--hold") o.hold_s = std::atof(v.c_str());
    else if (k == "--questions") o.questions = std::atoi(v.c_str());
    else if (k == "--question-interval-ms") o.question_interval_ms = std::atoi(v.c_str());
    else if (k == "--pid") o.pid = std::atoi(v.c_str());
    else if (k == "--out") o.out = v;
    else if (k == "--timeout") o.timeout_s = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (o.secret.empty()) {
    std::fprintf(stderr,
                 "usage: signaling_load --port P --secret S [--mode storm|idle|broadcast|statslag] [--n N] [--rooms R]\n"
                 "  [--addrs A] [--rate JOINS_PER_S] [--inflight K] [--hold S] [--questions Q] [--pid SERVER_PID]\n"
                 "  [--out DIR] [--timeout S]\n");
    std::exit(2);
  }
  return o;
}

}  // namespace
}  // namespace airclass::bench

int main(int argc, char** argv) {
  airclass::bench::LoadClient client(airclass::bench::parse(argc, argv));
  return client.run();
}
