#include "media/webrtc/fanout.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/error.hpp"
#include "common/log.hpp"
#include "media/webrtc/dtls_certificate.hpp"
#include "media/webrtc/fanout_worker.hpp"
#include "media/webrtc/ice_tcp_server.hpp"
#include "media/webrtc/ice_tcp_stream.hpp"
#include "media/webrtc/packet_demux.hpp"
#include "media/webrtc/sdp_answer.hpp"
#include "media/webrtc/session_description.hpp"
#include "media/webrtc/stun_message.hpp"

namespace airclass::media::webrtc {
namespace {

using common::Error;
using common::ErrorCode;
using Clock = std::chrono::steady_clock;

constexpr auto kKeyframeInterval = std::chrono::milliseconds(500);  // per rendition, upstream
constexpr size_t kReceiveBatch = 32;
constexpr size_t kMaxDatagram = 2048;
constexpr int kPortAttempts = 16;  // kernel-chosen port: tries until the TCP port of the same number is free too

std::string randomText(size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned char> bytes(size);
  if (RAND_bytes(bytes.data(), static_cast<int>(size)) != 1) throw Error(ErrorCode::Internal, "fanout: RAND_bytes");
  std::string out(size, 'A');
  for (size_t i = 0; i < size; ++i) out[i] = kAlphabet[bytes[i] % 64];
  return out;
}

uint32_t randomSsrc() {
  uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) v = 0x5EED;
  return v | 1U;
}

// Key of a transport address in the receive thread's map.
std::string addressKey(const PeerAddress& a) {
  if (a.storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
    return std::string(reinterpret_cast<const char*>(&in->sin_addr), 4) +
           std::string(reinterpret_cast<const char*>(&in->sin_port), 2);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  return std::string(reinterpret_cast<const char*>(&in6->sin6_addr), 16) +
         std::string(reinterpret_cast<const char*>(&in6->sin6_port), 2);
}

StunAddress toStun(const PeerAddress& a) {
  StunAddress s;
  const auto* mapped = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  if (a.storage.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&mapped->sin6_addr)) {  // an IPv4 peer, dual-stack
    std::memcpy(s.ip.data(), mapped->sin6_addr.s6_addr + 12, 4);
    s.port = ntohs(mapped->sin6_port);
  } else if (a.storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
    std::memcpy(s.ip.data(), &in->sin_addr, 4);
    s.port = ntohs(in->sin_port);
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    s.ipv6 = true;
    std::memcpy(s.ip.data(), &in6->sin6_addr, 16);
    s.port = ntohs(in6->sin6_port);
  }
  return s;
}

// The local IPv4 addresses. IPv6 host candidates are announced only when configured ([webrtc] candidates): the
// port is dual-stack, but enumerating every IPv6 address would hand browsers addresses (ULA, temporary) that
// they then prefer over the IPv4 ones.
std::vector<std::string> localAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {"127.0.0.1"};
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) out.emplace_back(text);
  }
  freeifaddrs(list);
  return out;
}

struct Route {
  size_t worker = 0;
  std::string room;
  std::string ufrag;
  std::string pwd;
  std::vector<std::string> addresses;  // keys bound by verified checks
};

}  // namespace

struct Fanout::Impl final : FanoutWorkerHost {
  Impl(boost::asio::io_context& loop, const common::Config& config, FanoutListener& l)
      : media_loop(loop), listener(l), settings(config.webrtc) {}

  boost::asio::io_context& media_loop;
  FanoutListener& listener;
  common::Config::Webrtc settings;
  std::unique_ptr<DtlsCertificate> certificate;
  int fd = -1;
  int wake_fd = -1;
  bool ipv6 = false;  // the UDP socket is dual-stack (IPv4 peers appear as v4-mapped addresses)
  std::unique_ptr<IceTcpServer> tcp;
  int bound_port = 0;
  std::vector<std::unique_ptr<FanoutWorker>> workers;
  std::thread receiver;
  std::atomic<bool> running{false};
  std::atomic<uint64_t> dropped{0};
  std::atomic<int> viewers{0};
  common::log::RateLimit bad_input_log{std::chrono::seconds(1)};

  std::mutex mutex;  // guards everything below
  std::unordered_map<std::string, RoomTracks> rooms;
  std::unordered_map<std::string, Route> sessions;           // session id -> route
  std::unordered_map<std::string, std::string> by_ufrag;     // our ufrag -> session id
  std::unordered_map<std::string, std::string> by_address;   // address key -> session id
  std::unordered_map<std::string, Clock::time_point> keyframe_asked;  // room '\n' rendition
  std::shared_ptr<const FanoutSnapshot> snapshot = std::make_shared<FanoutSnapshot>();
  Clock::time_point snapshot_at{};

  // FanoutWorkerHost, on worker threads.
  void requestKeyframe(const std::string& room, const std::string& rendition) override {
    {
      std::lock_guard lock(mutex);
      auto& last = keyframe_asked[room + '\n' + rendition];
      const auto now = Clock::now();
      if (now - last < kKeyframeInterval) return;
      last = now;
    }
    boost::asio::post(media_loop, [this, room, rendition] { listener.onKeyframeRequest(room, rendition); });
  }
  void onViewerGone(const std::string& session_id) override {
    std::lock_guard lock(mutex);
    auto it = sessions.find(session_id);
    if (it == sessions.end()) return;
    by_ufrag.erase(it->second.ufrag);
    for (const auto& a : it->second.addresses) by_address.erase(a);
    sessions.erase(it);
    viewers.fetch_sub(1);
  }
  void countDropped(const char* what, const std::string& session_id) override {
    dropped.fetch_add(1, std::memory_order_relaxed);
    uint64_t suppressed = 0;
    if (bad_input_log.allow(suppressed)) {
      common::log::warn("media", "webrtc", "input dropped",
                        {{"what", what}, {"session", session_id}, {"suppressed", std::to_string(suppressed)}});
    }
  }

  void receiveLoop();
  void onDatagram(const PeerAddress& from, std::span<const uint8_t> bytes);
  bool onTcpFrame(const PeerAddress& from, std::string& session, std::span<const uint8_t> bytes);
  void bindPorts();
  void sendTo(const PeerAddress& to, std::span<const uint8_t> bytes) const {
    if (to.tcp) {
      (void)to.tcp->send(bytes);
      return;
    }
    (void)::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  }
};

void Fanout::Impl::receiveLoop() {
  std::array<std::array<uint8_t, kMaxDatagram>, kReceiveBatch> buffers{};
  std::array<mmsghdr, kReceiveBatch> messages{};
  std::array<iovec, kReceiveBatch> iovecs{};
  std::array<PeerAddress, kReceiveBatch> from{};
  while (running.load()) {
    pollfd fds[3] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}, {tcp->pollFd(), POLLIN, 0}};
    if (::poll(fds, 3, 500) < 0 && errno != EINTR) break;
    if (fds[1].revents) break;
    tcp->process();  // also expires idle unrouted connections
    if (!(fds[0].revents & POLLIN)) continue;
    for (;;) {
      for (size_t i = 0; i < kReceiveBatch; ++i) {
        iovecs[i] = {buffers[i].data(), buffers[i].size()};
        messages[i] = {};
        messages[i].msg_hdr.msg_name = &from[i].storage;
        messages[i].msg_hdr.msg_namelen = sizeof from[i].storage;
        messages[i].msg_hdr.msg_iov = &iovecs[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      const int n = ::recvmmsg(fd, messages.data(), kReceiveBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        from[static_cast<size_t>(i)].length = messages[static_cast<size_t>(i)].msg_hdr.msg_namelen;
        if (messages[static_cast<size_t>(i)].msg_hdr.msg_flags & MSG_TRUNC) {
          countDropped("oversized datagram", "");
          continue;
        }
        onDatagram(from[static_cast<size_t>(i)],
                   std::span(buffers[static_cast<size_t>(i)].data(), messages[static_cast<size_t>(i)].msg_len));
      }
    }
  }
}

void Fanout::Impl::onDatagram(const PeerAddress& from, std::span<const uint8_t> bytes) {
  const std::string key = addressKey(from);
  if (classifyPacket(bytes) == PacketKind::Stun) {
    auto message = StunMessage::parse(bytes);
    if (!message.ok() || message->message_class != StunClass::Request || !message->username) {
      if (!message.ok() || message->message_class == StunClass::Request) countDropped("stun", "");
      return;
    }
    const std::string& user = *message->username;
    const std::string ufrag = user.substr(0, user.find(':'));
    std::string session_id;
    size_t worker = 0;
    {
      std::lock_guard lock(mutex);
      auto s = by_ufrag.find(ufrag);
      if (s == by_ufrag.end()) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      Route& route = sessions[s->second];
      if (!message->isIceCheckFor(route.ufrag, route.pwd)) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      if (by_address.emplace(key, s->second).second) route.addresses.push_back(key);
      session_id = s->second;
      worker = route.worker;
      sendTo(from, StunMessage::bindingSuccess(*message, toStun(from)).serialize(route.pwd, true));
    }
    workers[worker]->alive(session_id, from, message->use_candidate);
    return;
  }
  std::string session_id;
  size_t worker = 0;
  {
    std::lock_guard lock(mutex);
    auto s = by_address.find(key);
    if (s == by_address.end()) {  // not from an address a verified ICE check came from
      dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    session_id = s->second;
    worker = sessions[session_id].worker;
  }
  workers[worker]->datagram(session_id, from, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

// One ICE-TCP frame (RFC 6544). A connection is routed by the STUN USERNAME of its first binding request and
// stays with that viewer; anything else first, or a check for another viewer, closes it.
bool Fanout::Impl::onTcpFrame(const PeerAddress& from, std::string& session, std::span<const uint8_t> bytes) {
  if (classifyPacket(bytes) == PacketKind::Stun) {
    auto message = StunMessage::parse(bytes);
    if (!message.ok() || message->message_class != StunClass::Request || !message->username) {
      countDropped("tcp stun", session);
      return false;
    }
    const std::string& user = *message->username;
    const std::string ufrag = user.substr(0, user.find(':'));
    size_t worker = 0;
    {
      std::lock_guard lock(mutex);
      auto s = by_ufrag.find(ufrag);
      if (s == by_ufrag.end() || (!session.empty() && s->second != session)) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      const Route& route = sessions[s->second];
      if (!message->isIceCheckFor(route.ufrag, route.pwd)) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      session = s->second;
      worker = route.worker;
      sendTo(from, StunMessage::bindingSuccess(*message, toStun(from)).serialize(route.pwd, true));
    }
    workers[worker]->alive(session, from, message->use_candidate);
    return true;
  }
  if (session.empty()) {
    countDropped("tcp media before ICE check", "");
    return false;
  }
  size_t worker = 0;
  {
    std::lock_guard lock(mutex);
    auto s = sessions.find(session);
    if (s == sessions.end()) return false;  // the viewer is gone
    worker = s->second.worker;
  }
  workers[worker]->datagram(session, from, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  return true;
}

// The UDP socket and the TCP listener on the same port number.
void Fanout::Impl::bindPorts() {
  for (int attempt = 0;; ++attempt) {
    // Dual-stack where the host has IPv6, IPv4 only otherwise.
    fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ipv6 = fd >= 0;
    if (ipv6) {
      const int off = 0;
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_addr = in6addr_any;
      address.sin6_port = htons(static_cast<uint16_t>(settings.port));
      if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
          ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        if (errno == EADDRINUSE) {
          const std::string why = std::strerror(errno);
          ::close(fd);
          fd = -1;
          throw Error(ErrorCode::Unavailable, "webrtc: bind UDP port " + std::to_string(settings.port) + ": " + why);
        }
        ::close(fd);
        fd = -1;
        ipv6 = false;
      }
    }
    if (!ipv6) {
      fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) throw Error(ErrorCode::Unavailable, "webrtc: socket: " + std::string(std::strerror(errno)));
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(settings.port));
      if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        fd = -1;
        throw Error(ErrorCode::Unavailable, "webrtc: bind UDP port " + std::to_string(settings.port) + ": " + why);
      }
    }
    const int buffer = 8 << 20;
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    bound_port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);  // same offset in sockaddr_in6
    try {
      IceTcpServer::Limits limits;
      limits.max_connections = static_cast<size_t>(std::max(settings.max_viewers, 1)) + limits.max_unrouted;
      tcp = std::make_unique<IceTcpServer>(
          static_cast<uint16_t>(bound_port), ipv6, limits,
          [this](const PeerAddress& from, std::string& session, std::span<const uint8_t> bytes) {
            return onTcpFrame(from, session, bytes);
          },
          [this](const char* what) { countDropped(what, ""); });
      return;
    } catch (const Error&) {
      ::close(fd);
      fd = -1;
      if (settings.port != 0 || attempt + 1 >= kPortAttempts) throw;
    }
  }
}

Fanout::Fanout(boost::asio::io_context& media_loop, const common::Config& config, FanoutListener& listener)
    : impl_(std::make_unique<Impl>(media_loop, config, listener)) {
  impl_->certificate = std::make_unique<DtlsCertificate>();
}

Fanout::~Fanout() { stop(); }

void Fanout::start() {
  Impl& m = *impl_;
  if (m.running) return;
  m.bindPorts();
  m.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const size_t count = m.settings.workers > 0 ? static_cast<size_t>(m.settings.workers) : cores;
  for (size_t i = 0; i < count; ++i) {
    m.workers.push_back(std::make_unique<FanoutWorker>(m.fd, *m.certificate,
                                                       std::chrono::seconds(m.settings.consent_timeout_s), m));
    m.workers.back()->start();
  }
  m.running = true;
  m.receiver = std::thread([&m] { m.receiveLoop(); });
  common::log::info("media", "webrtc", "fan-out listening",
                    {{"port", std::to_string(m.bound_port)}, {"workers", std::to_string(count)}});
}

void Fanout::stop() {
  Impl& m = *impl_;
  if (!m.running.exchange(false)) return;
  const uint64_t one = 1;
  (void)::write(m.wake_fd, &one, sizeof one);
  if (m.receiver.joinable()) m.receiver.join();
  for (auto& w : m.workers) w->stop();
  m.workers.clear();
  m.tcp.reset();
  ::close(m.fd);
  ::close(m.wake_fd);
  m.fd = m.wake_fd = -1;
}

int Fanout::port() const { return impl_->bound_port; }

void Fanout::setRoomTracks(const std::string& room, RoomTracks tracks) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->rooms[room] = tracks;
  }
  for (auto& w : impl_->workers) w->setRoomTracks(room, tracks);
}

void Fanout::publish(const std::string& room, const std::string& rendition, std::shared_ptr<const RtpFrame> frame) {
  for (auto& w : impl_->workers) w->publish(room, rendition, frame);
}

void Fanout::endRoom(const std::string& room) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->rooms.erase(room);
  }
  for (auto& w : impl_->workers) w->endRoom(room);
}

ViewerSession Fanout::addViewer(const ViewerRequest& request) {
  Impl& m = *impl_;
  if (!m.running) throw Error(ErrorCode::Unavailable, "webrtc: fan-out not running");
  auto offer = SessionDescription::parse(request.offer_sdp);
  if (!offer.ok()) {
    m.countDropped("bad offer", "");
    throw Error(ErrorCode::BadRequest, "webrtc offer: " + offer.error());
  }
  RoomTracks tracks;
  {
    std::lock_guard lock(m.mutex);
    auto room = m.rooms.find(request.room);
    if (room == m.rooms.end() || (room->second.video.empty() && !room->second.audio)) {
      throw Error(ErrorCode::NotFound, "webrtc: room " + request.room + " is not live");
    }
    tracks = room->second;
  }
  PeerSetup setup;
  setup.room = request.room;
  setup.viewer_id = request.viewer_id;
  if (!tracks.video.empty()) {
    setup.rendition = tracks.video.size() - 1;  // start on the top rung; adaptation moves down when needed
    if (!request.rendition.empty()) {
      const auto it = std::find_if(tracks.video.begin(), tracks.video.end(),
                                   [&](const TrackInfo& t) { return t.rendition == request.rendition; });
      if (it == tracks.video.end()) throw Error(ErrorCode::NotFound, "webrtc: no rendition " + request.rendition);
      setup.rendition = static_cast<size_t>(it - tracks.video.begin());
      setup.fixed_rendition = true;
    }
  }
  SdpAnswerSettings settings;
  settings.role = SdpAnswerSettings::Role::Send;
  settings.ice_ufrag = randomText(8);
  settings.ice_pwd = randomText(24);
  settings.fingerprint_sha256 = m.certificate->fingerprint();
  const auto addresses = m.settings.candidates.empty() ? localAddresses() : m.settings.candidates;
  uint32_t priority = 2130706431;
  for (const auto& a : addresses) {
    IceCandidate c;
    c.address = a;
    c.port = static_cast<uint16_t>(m.bound_port);
    c.priority = priority--;
    settings.candidates.push_back(c);
  }
  priority = 1518280447;  // ICE-TCP passive beside each UDP candidate, below all of them (RFC 6544 4.2)
  for (const auto& a : addresses) {
    IceCandidate c;
    c.foundation = "2";
    c.address = a;
    c.port = static_cast<uint16_t>(m.bound_port);
    c.priority = priority--;
    c.tcp = true;
    settings.candidates.push_back(c);
  }
  settings.video_ssrc = tracks.video.empty() ? randomSsrc() : tracks.video.front().ssrc;
  settings.video_rtx_ssrc = randomSsrc();
  settings.audio_ssrc = tracks.audio ? tracks.audio->ssrc : randomSsrc();
  uint64_t session_number = 0;
  (void)RAND_bytes(reinterpret_cast<unsigned char*>(&session_number), sizeof session_number);
  settings.session_id = (session_number >> 2) | 1;
  const SdpAnswer answer = SdpAnswer::create(*offer, settings);  // throws BadRequest / Unsupported
  setup.remote_fingerprint = answer.remote_fingerprint;
  for (const auto& media : answer.media) {
    if (media.rejected) continue;
    if (media.kind == "video" && !tracks.video.empty()) {
      setup.video_payload_type = media.payload_type;
      setup.rtx_payload_type = media.rtx_payload_type;
    } else if (media.kind == "audio" && tracks.audio) {
      setup.audio_payload_type = media.payload_type;
    }
  }
  setup.video_ssrc = settings.video_ssrc;
  setup.rtx_ssrc = setup.rtx_payload_type >= 0 ? settings.video_rtx_ssrc : 0;
  setup.audio_ssrc = settings.audio_ssrc;
  if (m.viewers.fetch_add(1) >= m.settings.max_viewers) {
    m.viewers.fetch_sub(1);
    m.countDropped("viewer limit", "");
    throw Error(ErrorCode::Unavailable,
                "webrtc: viewer limit reached ([webrtc] max_viewers = " + std::to_string(m.settings.max_viewers) + ")");
  }
  setup.session_id = randomText(16);
  std::replace(setup.session_id.begin(), setup.session_id.end(), '/', '_');
  std::replace(setup.session_id.begin(), setup.session_id.end(), '+', '-');
  size_t worker = 0;
  for (size_t i = 1; i < m.workers.size(); ++i) {
    if (m.workers[i]->viewers() < m.workers[worker]->viewers()) worker = i;
  }
  {
    std::lock_guard lock(m.mutex);
    m.sessions[setup.session_id] = Route{worker, request.room, settings.ice_ufrag, settings.ice_pwd, {}};
    m.by_ufrag[settings.ice_ufrag] = setup.session_id;
  }
  ViewerSession session{setup.session_id, answer.sdp};
  m.workers[worker]->addPeer(std::move(setup));
  return session;
}

bool Fanout::removeViewer(const std::string& session_id) {
  size_t worker = 0;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->sessions.find(session_id);
    if (it == impl_->sessions.end()) return false;
    worker = it->second.worker;
  }
  impl_->workers[worker]->removePeer(session_id);
  return true;
}

std::shared_ptr<const FanoutSnapshot> Fanout::snapshot() const {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  const auto now = Clock::now();
  if (now - m.snapshot_at < std::chrono::seconds(1)) return m.snapshot;
  auto s = std::make_shared<FanoutSnapshot>();
  s->time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& w : m.workers) {
    auto stats = w->stats();
    s->viewers.insert(s->viewers.end(), stats.begin(), stats.end());
  }
  s->packets_dropped = m.dropped.load();
  m.snapshot = s;
  m.snapshot_at = now;
  return s;
}

}  // namespace airclass::media::webrtc
