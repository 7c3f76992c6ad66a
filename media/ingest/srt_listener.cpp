#include "media/ingest/srt_listener.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <srt/access_control.h>
#include <srt/srt.h>
#include <syslog.h>

#include <array>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "media/ingest/srt_stream_id.hpp"
#include "media/ingest/ts_demuxer.hpp"

namespace airclass::media::ingest {
namespace {

using Clock = std::chrono::steady_clock;
using common::Error;
using common::ErrorCode;

constexpr std::string_view kComponent = "media";
constexpr std::string_view kTopic = "srt";
constexpr int kEpollTimeoutMs = 100;
constexpr size_t kMaxEvents = 64;
constexpr size_t kPushBatchBytes = 64 * 1024;  // TS bytes handed to the demuxer at once
constexpr auto kDrainTimeout = std::chrono::seconds(2);  // a closed connection's demuxer may finish this long

std::string lastSrtError() {
  const char* text = srt_getlasterror_str();
  return text != nullptr ? text : "unknown SRT error";
}

std::string peerText(const sockaddr* addr) {
  if (addr == nullptr) {
    return "?";
  }
  std::array<char, INET6_ADDRSTRLEN> host{};
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, host.data(), host.size());
    return std::string(host.data()) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host.data(), host.size());
    return "[" + std::string(host.data()) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "?";
}

int rejectReason(ErrorCode code) {
  switch (code) {
    case ErrorCode::Unauthorized: return SRT_REJX_UNAUTHORIZED;
    case ErrorCode::Forbidden: return SRT_REJX_FORBIDDEN;
    case ErrorCode::Unsupported: return SRT_REJX_BAD_MODE;
    case ErrorCode::Conflict: return SRT_REJX_CONFLICT;
    case ErrorCode::Unavailable: return SRT_REJX_OVERLOAD;
    default: return SRT_REJX_BAD_REQUEST;
  }
}

// srt_startup()/srt_cleanup() for as long as a listener runs (libsrt counts its users).
class SrtRuntime {
 public:
  SrtRuntime() {
    if (srt_startup() < 0) {
      throw Error(ErrorCode::Unavailable, "srt: startup: " + lastSrtError());
    }
    srt_setloglevel(LOG_ERR);  // rejected handshakes are logged by us, once, with the reason
  }
  ~SrtRuntime() { srt_cleanup(); }
  SrtRuntime(const SrtRuntime&) = delete;
  SrtRuntime& operator=(const SrtRuntime&) = delete;
};

// The loop side of one SRT publisher: holds its Publication and hands it the demuxed media.
// Media loop only, but for closeRequested() (any thread).
class Session final : public TsDemuxer::Sink {
 public:
  Session(std::string room, std::string peer) : room_(std::move(room)), peer_(std::move(peer)) {}

  void open(PublishGate& gate, const PublishRequest& request) {
    if (closed_) {
      return;  // the connection went away before the loop got here
    }
    try {
      publication_ = gate.publish(request);
      common::log::info(kComponent, kTopic, "publish started", {{"room", room_}, {"peer", peer_}});
    } catch (const Error& e) {
      fail("publish refused", e.what(), common::toString(e.code()));
    } catch (const std::exception& e) {
      fail("publish refused", e.what(), "internal");
    }
  }

  void close() {
    closed_ = true;
    publication_.reset();
  }

  bool closeRequested() const { return close_requested_.load(); }
  bool drained() const { return drained_.load(); }

  void onVideoConfig(const VideoConfig& config) override {
    deliver([&](Publication& p) { p.onVideoConfig(config); });
  }
  void onAudioConfig(const AudioConfig& config) override {
    deliver([&](Publication& p) { p.onAudioConfig(config); });
  }
  void onFrame(const EncodedFrame& frame) override {
    deliver([&](Publication& p) { p.onFrame(frame); });
  }
  void onDemuxError(const std::string& message) override {
    fail("stream rejected", message, "unsupported");
    drained_.store(true);
  }
  void onDemuxEnd() override { drained_.store(true); }

 private:
  template <typename Fn>
  void deliver(Fn fn) {
    if (!publication_) {
      return;
    }
    try {
      fn(*publication_);
    } catch (const Error& e) {
      fail("stream rejected by room", e.what(), common::toString(e.code()));
    } catch (const std::exception& e) {
      fail("stream rejected by room", e.what(), "internal");
    }
  }

  // Ends the publish and asks the receive thread to drop the connection.
  void fail(std::string_view what, std::string_view why, std::string_view code) {
    common::log::warn(kComponent, kTopic, what,
                      {{"room", room_}, {"peer", peer_}, {"code", code}, {"error", why}});
    publication_.reset();
    close_requested_.store(true);
  }

  const std::string room_;
  const std::string peer_;
  std::unique_ptr<Publication> publication_;
  bool closed_ = false;
  std::atomic<bool> close_requested_{false};
  std::atomic<bool> drained_{false};  // every output of the demuxer has been handled
};

}  // namespace

// Everything the receive thread owns. Constructed and destroyed by the SrtListener's owner thread while the
// receive thread is not running; the listen callback (SRT's own thread) reads only immutable settings and
// atomics.
class SrtListener::Receiver {
 public:
  Receiver(boost::asio::io_context& loop, PublishGate& gate, const Settings& settings)
      : loop_(loop), gate_(gate), settings_(settings) {}

  ~Receiver() {
    for (auto& [sock, conn] : connections_) {
      closeSocket(*conn, "server stopping");
      finish(*conn);
    }
    connections_.clear();
    if (listen_sock_ != SRT_INVALID_SOCK) {
      srt_close(listen_sock_);
    }
    if (epoll_ >= 0) {
      srt_epoll_release(epoll_);
    }
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  uint16_t bind();  // owner thread, before run()
  void run();       // the receive thread
  void requestStop() { stopping_.store(true); }

 private:
  struct Connection {
    SRTSOCKET sock = SRT_INVALID_SOCK;
    std::string room;
    std::string peer;
    std::shared_ptr<Session> session;
    std::unique_ptr<TsDemuxer> demuxer;
    Clock::time_point last_data;
    uint64_t bytes = 0;
    std::optional<Clock::time_point> draining_since;  // socket closed, demuxer finishing what it got
    std::string reason;                               // why it is closing
  };

  static int onListen(void* opaque, SRTSOCKET sock, int hs_version, const sockaddr* peer, const char* stream_id);
  int admit(SRTSOCKET sock, int hs_version, const sockaddr* peer, const char* stream_id);
  void acceptAll();
  void receive(Connection& conn, int events);
  void housekeeping();
  void closeSocket(Connection& conn, std::string reason);
  void finish(Connection& conn);
  void drop(SRTSOCKET sock, std::string reason);

  boost::asio::io_context& loop_;
  PublishGate& gate_;
  const Settings settings_;
  SrtRuntime runtime_;
  SRTSOCKET listen_sock_ = SRT_INVALID_SOCK;
  int epoll_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};  // accepted connections, read by the listen callback
  common::log::RateLimit reject_log_{std::chrono::seconds(1)};
  common::log::RateLimit epoll_log_{std::chrono::seconds(10)};
  std::unordered_map<SRTSOCKET, std::unique_ptr<Connection>> connections_;  // receive thread only
  std::vector<uint8_t> batch_;
  Clock::time_point next_housekeeping_{};
};

uint16_t SrtListener::Receiver::bind() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(settings_.port);
  if (settings_.port < 0 || settings_.port > 65535 ||
      getaddrinfo(settings_.host.c_str(), port_text.c_str(), &hints, &found) != 0 || found == nullptr) {
    throw Error(ErrorCode::Config, "srt: bad listen address [srt] host=" + settings_.host + " port=" + port_text);
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> address(found, &freeaddrinfo);

  listen_sock_ = srt_create_socket();
  if (listen_sock_ == SRT_INVALID_SOCK) {
    throw Error(ErrorCode::Unavailable, "srt: create socket: " + lastSrtError());
  }
  const int latency = settings_.latency_ms;
  const SRT_TRANSTYPE live = SRTT_LIVE;
  const bool no = false;
  if (srt_setsockflag(listen_sock_, SRTO_TRANSTYPE, &live, sizeof live) < 0 ||
      srt_setsockflag(listen_sock_, SRTO_LATENCY, &latency, sizeof latency) < 0 ||
      srt_setsockflag(listen_sock_, SRTO_RCVSYN, &no, sizeof no) < 0) {
    throw Error(ErrorCode::Unavailable, "srt: socket options: " + lastSrtError());
  }
  const int v6only = 0;  // "::" takes IPv4 callers too; libsrt wants this said before binding a v6 wildcard
  if (address->ai_family == AF_INET6 && srt_setsockflag(listen_sock_, SRTO_IPV6ONLY, &v6only, sizeof v6only) < 0) {
    throw Error(ErrorCode::Unavailable, "srt: socket options: " + lastSrtError());
  }
  if (srt_bind(listen_sock_, address->ai_addr, static_cast<int>(address->ai_addrlen)) < 0) {
    throw Error(ErrorCode::Unavailable,
                "srt: bind " + settings_.host + ":" + port_text + ": " + lastSrtError());
  }
  if (srt_listen_callback(listen_sock_, &Receiver::onListen, this) < 0 || srt_listen(listen_sock_, 64) < 0) {
    throw Error(ErrorCode::Unavailable, "srt: listen: " + lastSrtError());
  }
  sockaddr_storage bound{};
  int bound_len = sizeof bound;
  if (srt_getsockname(listen_sock_, reinterpret_cast<sockaddr*>(&bound), &bound_len) < 0) {
    throw Error(ErrorCode::Unavailable, "srt: getsockname: " + lastSrtError());
  }
  const uint16_t port = bound.ss_family == AF_INET6
                            ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                            : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);

  epoll_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (epoll_ < 0 || srt_epoll_add_usock(epoll_, listen_sock_, &events) < 0) {
    throw Error(ErrorCode::Unavailable, "srt: epoll: " + lastSrtError());
  }
  batch_.reserve(kPushBatchBytes + 2048);
  return port;
}

int SrtListener::Receiver::onListen(void* opaque, SRTSOCKET sock, int hs_version, const sockaddr* peer,
                                    const char* stream_id) {
  try {
    return static_cast<Receiver*>(opaque)->admit(sock, hs_version, peer, stream_id);
  } catch (...) {  // never let an exception unwind into libsrt
    srt_setrejectreason(sock, SRT_REJX_ISE);
    return -1;
  }
}

// SRT's thread, during the handshake: refuse bad stream ids and tokens before a connection exists.
int SrtListener::Receiver::admit(SRTSOCKET sock, int hs_version, const sockaddr* peer, const char* stream_id) {
  const std::string_view id = stream_id != nullptr ? std::string_view(stream_id) : std::string_view();
  ErrorCode code = ErrorCode::BadRequest;
  std::string why;
  try {
    if (stopping_.load() || active_.load() >= kMaxConnections) {
      throw Error(ErrorCode::Unavailable, "srt: too many publishers (" + std::to_string(kMaxConnections) + ")");
    }
    if (hs_version < 5) {
      throw Error(ErrorCode::BadRequest, "srt: caller too old to send a stream id (HSv4)");
    }
    const SrtStreamId parsed = SrtStreamId::parse(id);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const common::Claims claims = common::verifyToken(parsed.token, settings_.secret, now);
    if (!common::mayPublish(claims, parsed.room)) {
      throw Error(ErrorCode::Forbidden, "srt: token does not allow publishing to room " + parsed.room);
    }
    return 0;
  } catch (const Error& e) {
    code = e.code();
    why = e.what();
  }
  srt_setrejectreason(sock, rejectReason(code));
  uint64_t suppressed = 0;
  if (reject_log_.allow(suppressed)) {
    common::log::warn(kComponent, kTopic, "connection refused",
                      {{"peer", peerText(peer)}, {"code", common::toString(code)}, {"error", why},
                       {"suppressed", std::to_string(suppressed)}});
  }
  return -1;
}

void SrtListener::Receiver::run() {
  std::array<SRT_EPOLL_EVENT, kMaxEvents> events{};
  while (!stopping_.load()) {
    const int n = srt_epoll_uwait(epoll_, events.data(), static_cast<int>(events.size()), kEpollTimeoutMs);
    if (n < 0 && srt_getlasterror(nullptr) != SRT_ETIMEOUT) {
      uint64_t suppressed = 0;
      if (epoll_log_.allow(suppressed)) {
        common::log::error(kComponent, kTopic, "epoll failed", {{"error", lastSrtError()}});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(kEpollTimeoutMs));  // never spin
    }
    for (int i = 0; i < n; ++i) {
      const SRTSOCKET sock = events[static_cast<size_t>(i)].fd;
      if (sock == listen_sock_) {
        acceptAll();
      } else if (auto it = connections_.find(sock); it != connections_.end()) {
        receive(*it->second, events[static_cast<size_t>(i)].events);
      }
    }
    housekeeping();
  }
}

void SrtListener::Receiver::acceptAll() {
  for (int pending = 0; pending < 1; ++pending) {  // one per readiness event: epoll reports the rest again
    sockaddr_storage addr{};
    int addr_len = sizeof addr;
    const SRTSOCKET sock = srt_accept(listen_sock_, reinterpret_cast<sockaddr*>(&addr), &addr_len);
    if (sock == SRT_INVALID_SOCK) {
      if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
        common::log::warn(kComponent, kTopic, "accept failed", {{"error", lastSrtError()}});
      }
      return;
    }
    auto conn = std::make_unique<Connection>();
    conn->sock = sock;
    conn->peer = peerText(reinterpret_cast<const sockaddr*>(&addr));
    conn->last_data = Clock::now();
    std::array<char, SrtStreamId::kMaxBytes + 1> id{};
    int id_len = static_cast<int>(id.size());
    const bool no = false;
    const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    PublishRequest request;
    try {
      if (srt_getsockflag(sock, SRTO_STREAMID, id.data(), &id_len) < 0 ||
          srt_setsockflag(sock, SRTO_RCVSYN, &no, sizeof no) < 0) {
        throw Error(ErrorCode::Internal, "srt: socket options: " + lastSrtError());
      }
      // Checked by the listen callback already; parsed again for the fields.
      const SrtStreamId parsed = SrtStreamId::parse(std::string_view(id.data(), static_cast<size_t>(id_len)));
      conn->room = parsed.room;
      conn->session = std::make_shared<Session>(parsed.room, conn->peer);
      conn->demuxer = std::make_unique<TsDemuxer>(loop_, conn->session, parsed.room);
      if (srt_epoll_add_usock(epoll_, sock, &events) < 0) {
        throw Error(ErrorCode::Internal, "srt: epoll: " + lastSrtError());
      }
      request = PublishRequest{parsed.room, parsed.token, "srt", conn->peer};
    } catch (const std::exception& e) {
      common::log::warn(kComponent, kTopic, "connection dropped", {{"peer", conn->peer}, {"error", e.what()}});
      conn->demuxer.reset();
      srt_close(sock);
      return;
    }
    common::log::info(kComponent, kTopic, "connected", {{"room", conn->room}, {"peer", conn->peer}});
    active_.fetch_add(1);
    boost::asio::post(loop_, [session = conn->session, &gate = gate_, request = std::move(request)] {
      session->open(gate, request);
    });
    connections_.emplace(sock, std::move(conn));
  }
}

void SrtListener::Receiver::receive(Connection& conn, int events) {
  std::array<char, 1500> packet{};  // one live-mode message is at most 1456 bytes
  batch_.clear();
  bool broken = false;
  std::string why;
  while (true) {
    const int n = srt_recvmsg(conn.sock, packet.data(), static_cast<int>(packet.size()));
    if (n == SRT_ERROR) {
      if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
        broken = true;
        why = lastSrtError();
      }
      break;
    }
    if (n <= 0) {
      break;
    }
    batch_.insert(batch_.end(), packet.data(), packet.data() + n);
    if (batch_.size() >= kPushBatchBytes) {
      break;  // keep one busy publisher from starving the others; epoll reports the rest again
    }
  }
  if (!batch_.empty()) {
    conn.last_data = Clock::now();
    conn.bytes += batch_.size();
    if (!conn.demuxer->push(batch_)) {
      drop(conn.sock, "stream cannot be demuxed");
      return;
    }
  }
  if (broken || ((events & SRT_EPOLL_ERR) != 0 && batch_.empty())) {
    // The publisher is gone: let the demuxer flush what it holds, then finish in housekeeping().
    closeSocket(conn, broken ? "disconnected: " + why : "disconnected");
    conn.demuxer->end();
  }
}

void SrtListener::Receiver::housekeeping() {
  const auto now = Clock::now();
  if (now < next_housekeeping_) {
    return;
  }
  next_housekeeping_ = now + std::chrono::milliseconds(kEpollTimeoutMs);
  std::vector<std::pair<SRTSOCKET, std::string>> doomed;
  for (const auto& [sock, conn] : connections_) {
    if (conn->draining_since) {
      if (conn->session->drained() || conn->demuxer->failed() || now - *conn->draining_since > kDrainTimeout) {
        doomed.emplace_back(sock, conn->reason);
      }
    } else if (conn->session->closeRequested() || conn->demuxer->failed()) {
      doomed.emplace_back(sock, "closed by the server");
    } else if (now - conn->last_data > std::chrono::seconds(settings_.stall_timeout_s)) {
      doomed.emplace_back(sock, "stalled: no data for " + std::to_string(settings_.stall_timeout_s) + " s");
    }
  }
  for (const auto& [sock, reason] : doomed) {
    drop(sock, reason);
  }
}

void SrtListener::Receiver::drop(SRTSOCKET sock, std::string reason) {
  auto it = connections_.find(sock);
  if (it == connections_.end()) {
    return;
  }
  closeSocket(*it->second, std::move(reason));
  finish(*it->second);
  connections_.erase(it);
}

void SrtListener::Receiver::closeSocket(Connection& conn, std::string reason) {
  if (conn.draining_since) {
    return;
  }
  srt_epoll_remove_usock(epoll_, conn.sock);
  srt_close(conn.sock);
  conn.draining_since = Clock::now();
  conn.reason = std::move(reason);
}

void SrtListener::Receiver::finish(Connection& conn) {
  conn.demuxer.reset();  // joins its GStreamer threads; outputs already posted still reach the session
  boost::asio::post(loop_, [session = conn.session] { session->close(); });
  active_.fetch_sub(1);
  common::log::info(kComponent, kTopic, "publish ended",
                    {{"room", conn.room}, {"peer", conn.peer}, {"reason", conn.reason},
                     {"bytes", std::to_string(conn.bytes)}});
}

SrtListener::SrtListener(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate)
    : loop_(loop),
      gate_(gate),
      settings_{config.srt.host, config.srt.port, config.srt.latency_ms, config.ingest.stall_timeout_s,
                config.auth.secret} {}

SrtListener::~SrtListener() {
  stop();
}

void SrtListener::start() {
  if (receiver_) {
    return;
  }
  auto receiver = std::make_unique<Receiver>(loop_, gate_, settings_);
  port_ = receiver->bind();
  receiver_ = std::move(receiver);
  thread_ = std::thread([r = receiver_.get()] { r->run(); });
  common::log::info(kComponent, kTopic, "listening",
                    {{"host", settings_.host}, {"port", std::to_string(port_)},
                     {"latency_ms", std::to_string(settings_.latency_ms)}});
}

void SrtListener::stop() {
  if (!receiver_) {
    return;
  }
  receiver_->requestStop();
  if (thread_.joinable()) {
    thread_.join();
  }
  receiver_.reset();  // closes every connection and the listener, then releases libsrt
}

}  // namespace airclass::media::ingest
