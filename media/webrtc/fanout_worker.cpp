#include "media/webrtc/fanout_worker.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <cstring>

#include "common/log.hpp"
#include "media/webrtc/ice_tcp_stream.hpp"
#include "media/webrtc/packet_demux.hpp"

namespace airclass::media::webrtc {
namespace asio = boost::asio;

namespace {
constexpr auto kTick = std::chrono::milliseconds(50);
constexpr int64_t kReportIntervalNs = 1'000'000'000;
}  // namespace

struct FanoutWorker::Peer {
  std::unique_ptr<WebRtcPeer> peer;
  PeerAddress address;
  bool has_address = false;
  std::optional<size_t> asked_pending;  // the pending rendition a keyframe was already requested for
};

FanoutWorker::FanoutWorker(int udp_fd, const DtlsCertificate& certificate, std::chrono::nanoseconds consent_timeout,
                           FanoutWorkerHost& host, bool gso)
    : fd_(udp_fd), certificate_(certificate), consent_timeout_(consent_timeout), host_(host), timer_(io_),
      slots_(kBatch), gso_(gso) {}

FanoutWorker::~FanoutWorker() { stop(); }

int64_t FanoutWorker::nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void FanoutWorker::start() {
  running_ = true;
  armTimer();
  thread_ = std::thread([this] { io_.run(); });
}

void FanoutWorker::stop() {
  if (!running_) return;
  running_ = false;
  asio::post(io_, [this] {
    std::vector<std::string> ids;
    for (const auto& [id, p] : peers_) ids.push_back(id);
    for (const auto& id : ids) drop(id, true);
    flush();
    timer_.cancel();
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

void FanoutWorker::armTimer() {
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    tick();
    flush();
    armTimer();
  });
}

// ---- the send batch -------------------------------------------------------------------------------------------

std::span<uint8_t> FanoutWorker::slot(const WebRtcPeer&) {
  if (queued_ == kBatch) flush();
  return slots_[queued_];
}

void FanoutWorker::commit(const WebRtcPeer&, size_t length) {
  if (!current_ || !current_->has_address) return;
  if (current_->address.tcp) {  // ICE-TCP: framed on the viewer's own stream, never batched, never waited for
    if (!current_->address.tcp->send(std::span(slots_[queued_].data(), length))) {
      host_.countDropped("tcp send", current_->peer->setup().session_id);
    }
    return;
  }
  iovecs_[queued_] = {slots_[queued_].data(), length};
  if (gso_ && run_peer_ == current_ && length <= segment_ && run_bytes_ + length <= kMaxGsoBytes) {
    // Another segment of the last message: same viewer, same size (or a shorter last one, which ends the run).
    mmsghdr& m = messages_[messages_count_ - 1];
    ++m.msg_hdr.msg_iovlen;
    run_bytes_ += length;
    if (length < segment_) run_peer_ = nullptr;
    if (m.msg_hdr.msg_iovlen == 2) {
      auto& control = controls_[messages_count_ - 1];
      m.msg_hdr.msg_control = control.data();
      m.msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto size = static_cast<uint16_t>(segment_);
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
    }
    ++queued_;
    return;
  }
  mmsghdr& m = messages_[messages_count_++];
  m = {};
  m.msg_hdr.msg_name = &current_->address.storage;
  m.msg_hdr.msg_namelen = current_->address.length;
  m.msg_hdr.msg_iov = &iovecs_[queued_];
  m.msg_hdr.msg_iovlen = 1;
  run_peer_ = current_;
  segment_ = length;
  run_bytes_ = length;
  ++queued_;
}

void FanoutWorker::splitMessages(size_t from) {
  std::array<mmsghdr, kBatch> split{};
  size_t count = 0;
  for (size_t i = from; i < messages_count_; ++i) {
    const msghdr& h = messages_[i].msg_hdr;
    for (size_t s = 0; s < h.msg_iovlen; ++s) {
      mmsghdr& m = split[count++];
      m.msg_hdr.msg_name = h.msg_name;
      m.msg_hdr.msg_namelen = h.msg_namelen;
      m.msg_hdr.msg_iov = h.msg_iov + s;
      m.msg_hdr.msg_iovlen = 1;
    }
  }
  std::copy_n(split.begin(), count, messages_.begin() + static_cast<std::ptrdiff_t>(from));
  messages_count_ = from + count;
}

void FanoutWorker::flush() {
  size_t sent = 0;
  while (sent < messages_count_) {
    const int n = ::sendmmsg(fd_, &messages_[sent], static_cast<unsigned>(messages_count_ - sent), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (gso_ && (errno == EINVAL || errno == EIO) && messages_[sent].msg_hdr.msg_iovlen > 1) {
        common::log::warn("media", "webrtc", "UDP GSO refused by the kernel; sending one datagram per packet",
                          {{"error", std::strerror(errno)}});
        gso_ = false;
        splitMessages(sent);
        continue;
      }
      // EAGAIN (socket buffer full) or an unreachable peer: this batch's remainder is lost, like on the wire.
      host_.countDropped("send", "");
      break;
    }
    sent += static_cast<size_t>(n);
  }
  queued_ = 0;
  messages_count_ = 0;
  run_peer_ = nullptr;
}

// ---- posted from other threads --------------------------------------------------------------------------------

void FanoutWorker::setRoomTracks(const std::string& room, const RoomTracks& tracks) {
  asio::post(io_, [this, room, tracks] {
    Room& r = rooms_[room];
    r.tracks = tracks;
    std::vector<Rendition> video(tracks.video.size());
    std::vector<size_t> new_index(r.names.size(), SIZE_MAX);  // viewers follow their rendition by name
    for (size_t old = 0; old < r.names.size(); ++old) {
      for (size_t i = 0; i < tracks.video.size(); ++i) {
        if (tracks.video[i].rendition == r.names[old]) new_index[old] = i;
      }
    }
    r.names.clear();
    std::vector<int> bandwidths;
    for (size_t i = 0; i < tracks.video.size(); ++i) {
      video[i].name = tracks.video[i].rendition;
      for (auto& old : r.video) {  // keep the caches of renditions that stay
        if (old.name == video[i].name) video[i] = std::move(old);
      }
      r.names.push_back(tracks.video[i].rendition);
      bandwidths.push_back(tracks.video[i].bandwidth_bps);
    }
    r.video = std::move(video);
    for (Peer* p : r.peers) {
      p->peer->setRenditions(bandwidths, new_index);
      p->asked_pending.reset();
    }
  });
}

void FanoutWorker::publish(const std::string& room, const std::string& rendition,
                           std::shared_ptr<const RtpFrame> frame) {
  asio::post(io_, [this, room, rendition, frame = std::move(frame)] {
    doPublish(room, rendition, frame);
    flush();
  });
}

void FanoutWorker::endRoom(const std::string& room) {
  asio::post(io_, [this, room] {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return;
    std::vector<std::string> ids;
    for (Peer* p : it->second.peers) ids.push_back(p->peer->setup().session_id);
    for (const auto& id : ids) drop(id, true);
    flush();
    rooms_.erase(room);
  });
}

void FanoutWorker::addPeer(PeerSetup setup) {
  viewer_count_.fetch_add(1, std::memory_order_relaxed);
  asio::post(io_, [this, setup = std::move(setup)]() mutable {
    auto room = rooms_.find(setup.room);
    if (room == rooms_.end()) {  // the room ended between addViewer and now
      viewer_count_.fetch_sub(1, std::memory_order_relaxed);
      host_.onViewerGone(setup.session_id);
      return;
    }
    auto p = std::make_unique<Peer>();
    const std::string id = setup.session_id;
    p->peer = std::make_unique<WebRtcPeer>(certificate_, std::move(setup), nowNs());
    std::vector<int> bandwidths;
    for (const auto& t : room->second.tracks.video) bandwidths.push_back(t.bandwidth_bps);
    p->peer->setRenditions(std::move(bandwidths));
    room->second.peers.push_back(p.get());
    peers_[id] = std::move(p);
  });
}

void FanoutWorker::removePeer(const std::string& session_id) {
  asio::post(io_, [this, session_id] {
    drop(session_id, true);
    flush();
  });
}

void FanoutWorker::datagram(const std::string& session_id, const PeerAddress& from, std::vector<uint8_t> bytes) {
  asio::post(io_, [this, session_id, from, bytes = std::move(bytes)]() mutable {
    doDatagram(session_id, from, bytes);
    flush();
  });
}

void FanoutWorker::alive(const std::string& session_id, const PeerAddress& from, bool nominated) {
  asio::post(io_, [this, session_id, from, nominated] {
    auto it = peers_.find(session_id);
    if (it == peers_.end()) return;
    if (nominated || !it->second->has_address) {
      it->second->address = from;
      it->second->has_address = true;
    }
    it->second->peer->alive(nowNs());
  });
}

std::vector<ViewerStats> FanoutWorker::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

// ---- on the worker thread -------------------------------------------------------------------------------------

void FanoutWorker::doPublish(const std::string& room_name, const std::string& rendition,
                             const std::shared_ptr<const RtpFrame>& frame) {
  auto it = rooms_.find(room_name);
  if (it == rooms_.end() || !frame) return;
  Room& room = it->second;
  const int64_t now = nowNs();
  if (room.tracks.audio && rendition == room.tracks.audio->rendition) {
    for (Peer* p : room.peers) {
      current_ = p;
      p->peer->sendAudio(*frame, *this, now);
    }
    current_ = nullptr;
    return;
  }
  const auto r = std::find(room.names.begin(), room.names.end(), rendition);
  if (r == room.names.end()) return;
  const auto index = static_cast<size_t>(r - room.names.begin());
  Rendition& cache = room.video[index];
  if (frame->keyframe) {
    cache.gop.clear();
    cache.gop_packets = 0;
  }
  if ((frame->keyframe || !cache.gop.empty()) && cache.gop_packets + frame->packets.size() <= kMaxGopPackets) {
    cache.gop.push_back(frame);
    cache.gop_packets += frame->packets.size();
  } else {
    cache.gop.clear();
  }
  for (const auto& packet : frame->packets) cache.packets[packet->sequence % kPacketCache] = packet;
  for (Peer* p : room.peers) {
    current_ = p;
    p->peer->sendVideo(index, *frame, *this, now);
  }
  current_ = nullptr;
}

void FanoutWorker::doDatagram(const std::string& session_id, const PeerAddress& from, std::vector<uint8_t>& bytes) {
  auto it = peers_.find(session_id);
  if (it == peers_.end()) return;
  Peer& p = *it->second;
  auto room = rooms_.find(p.peer->setup().room);
  if (room == rooms_.end()) return;
  if (!p.has_address) {  // DTLS before any ICE check was seen here (reordered posts): answer where it came from
    p.address = from;
    p.has_address = true;
  }
  current_ = &p;
  switch (classifyPacket(bytes)) {
    case PacketKind::Dtls: {
      DtlsInput result = DtlsInput::Ok;
      const bool connected = p.peer->handleDtls(bytes, *this, result);
      if (result == DtlsInput::Garbage) host_.countDropped("dtls garbage", session_id);
      if (result == DtlsInput::Failed) host_.countDropped("dtls handshake failed", session_id);
      if (connected) onConnected(room->second, p);
      break;
    }
    case PacketKind::Rtcp: {
      PeerRtcpEvents events;
      if (p.peer->handleRtcp(bytes, nowNs(), events)) {
        onRtcp(room->second, p, events);
      } else {
        host_.countDropped("srtcp", session_id);
      }
      break;
    }
    default:
      host_.countDropped("unexpected packet", session_id);
      break;
  }
  current_ = nullptr;
  if (p.peer->dtlsClosed()) drop(session_id, false);
}

void FanoutWorker::onConnected(Room& room, Peer& p) {
  common::log::info("media", "webrtc", "viewer connected",
                    {{"room", p.peer->setup().room}, {"session", p.peer->setup().session_id}});
  const size_t r = p.peer->rendition();
  if (r >= room.video.size() || p.peer->setup().video_payload_type < 0) return;
  const Rendition& cache = room.video[r];
  const int64_t now = nowNs();
  if (!cache.gop.empty() && cache.gop.front()->keyframe) {  // fast join: the current GOP at once
    for (const auto& frame : cache.gop) p.peer->sendVideo(r, *frame, *this, now);
  } else {
    host_.requestKeyframe(p.peer->setup().room, cache.name);
  }
}

void FanoutWorker::onRtcp(Room& room, Peer& p, const PeerRtcpEvents& events) {
  const size_t r = p.peer->rendition();
  if (r < room.video.size()) {
    if (events.keyframe) host_.requestKeyframe(p.peer->setup().room, room.video[r].name);
    for (const uint16_t seq : events.nacked) {
      const auto source = p.peer->sourceSequence(seq);
      if (!source) continue;
      const SharedRtpPacket& packet = room.video[r].packets[*source % kPacketCache];
      if (packet && packet->sequence == *source) p.peer->retransmit(*packet, *this);
    }
  }
  askForPending(room, p);
}

void FanoutWorker::askForPending(Room& room, Peer& p) {
  const auto pending = p.peer->pendingRendition();
  if (pending == p.asked_pending) return;
  p.asked_pending = pending;
  if (!pending || *pending >= room.video.size()) return;
  const Rendition& target = room.video[*pending];
  // Switch at once when the target's GOP is cached: its keyframe is replayed to this viewer only.
  if (!target.gop.empty() && target.gop.front()->keyframe) {
    const int64_t now = nowNs();
    for (const auto& frame : target.gop) p.peer->sendVideo(*pending, *frame, *this, now);
  } else {
    host_.requestKeyframe(p.peer->setup().room, target.name);
  }
}

void FanoutWorker::drop(const std::string& session_id, bool send_close) {
  auto it = peers_.find(session_id);
  if (it == peers_.end()) return;
  Peer* p = it->second.get();
  if (send_close) {
    current_ = p;
    p->peer->close(*this);
    current_ = nullptr;
  }
  flush();  // the batch may point at this peer's address
  if (p->address.tcp) p->address.tcp->shutdown();
  auto room = rooms_.find(p->peer->setup().room);
  if (room != rooms_.end()) std::erase(room->second.peers, p);
  peers_.erase(it);
  viewer_count_.fetch_sub(1, std::memory_order_relaxed);
  host_.onViewerGone(session_id);
}

void FanoutWorker::tick() {
  const int64_t now = nowNs();
  std::vector<std::string> silent;
  for (auto& [id, p] : peers_) {
    current_ = p.get();
    if (p->address.tcp) p->address.tcp->flush();
    p->peer->handleDtlsTimer(*this);
    if (now - p->peer->lastAliveNs() > consent_timeout_.count()) silent.push_back(id);
  }
  current_ = nullptr;
  flush();
  for (const auto& id : silent) {
    common::log::info("media", "webrtc", "viewer timed out (no consent)", {{"session", id}});
    drop(id, false);
  }
  if (now < next_report_ns_) return;
  next_report_ns_ = now + kReportIntervalNs;
  const int64_t unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<ViewerStats> stats;
  stats.reserve(peers_.size());
  for (auto& [id, p] : peers_) {
    current_ = p.get();
    p->peer->sendReports(*this, now, unix_ns);
    auto room = rooms_.find(p->peer->setup().room);
    stats.push_back(p->peer->stats(room != rooms_.end() ? room->second.names : std::vector<std::string>{}));
  }
  current_ = nullptr;
  std::lock_guard lock(stats_mutex_);
  stats_ = std::move(stats);
}

}  // namespace airclass::media::webrtc
