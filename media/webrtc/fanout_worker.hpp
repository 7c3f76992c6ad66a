// One fan-out worker thread: owns the viewers sharded to it (their WebRtcPeer state and addresses) and its own
// copy of each room's caches (current GOP per rendition for fast join, recent packets for NACK). Frames arrive
// once per worker as a shared RtpFrame; each viewer gets a header-rewritten, SRTP-protected copy written into a
// send batch that leaves with one sendmmsg; consecutive datagrams of equal size to one viewer (most of a frame)
// go as one message with a UDP GSO segment size where the kernel has it (Linux >= 4.18). The public methods post to the worker's thread, so any thread may
// call them; the worker calls its FanoutWorkerHost from its own thread.
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/webrtc/fanout.hpp"
#include "media/webrtc/peer_address.hpp"
#include "media/webrtc/webrtc_peer.hpp"

namespace airclass::media::webrtc {

// What a worker needs from the fan-out that owns it. Called on the worker's thread.
class FanoutWorkerHost {
 public:
  virtual ~FanoutWorkerHost() = default;
  virtual void requestKeyframe(const std::string& room, const std::string& rendition) = 0;
  virtual void onViewerGone(const std::string& session_id) = 0;
  virtual void countDropped(const char* what, const std::string& session_id) = 0;
};

class FanoutWorker final : private PeerSender {
 public:
  static constexpr size_t kBatch = 64;             // datagrams per sendmmsg
  static constexpr size_t kMaxGsoBytes = 60000;    // one GSO message stays below the 64 KiB UDP limit
  static constexpr size_t kPacketCache = 1024;     // per rendition, for NACKs (about 10 s at 600 kbps)
  static constexpr size_t kMaxGopPackets = 4096;   // a longer GOP is not cached (the viewer asks for a keyframe)

  // `gso`: coalesce equal-sized datagrams with UDP_SEGMENT (turned off for good by the first EINVAL/EIO).
  FanoutWorker(int udp_fd, const DtlsCertificate& certificate, std::chrono::nanoseconds consent_timeout,
               FanoutWorkerHost& host, bool gso = true);
  ~FanoutWorker() override;
  FanoutWorker(const FanoutWorker&) = delete;
  FanoutWorker& operator=(const FanoutWorker&) = delete;

  void start();
  void stop();  // closes every viewer (close_notify), joins the thread

  // Any thread: each posts to the worker.
  void setRoomTracks(const std::string& room, const RoomTracks& tracks);
  void publish(const std::string& room, const std::string& rendition, std::shared_ptr<const RtpFrame> frame);
  void endRoom(const std::string& room);
  void addPeer(PeerSetup setup);
  void removePeer(const std::string& session_id);
  void datagram(const std::string& session_id, const PeerAddress& from, std::vector<uint8_t> bytes);
  // A verified ICE check from `from`. Media goes to the pair the browser nominated (USE-CANDIDATE; RFC 8445
  // 7.3.1.5), or to the first checked address until one is nominated: checks on other pairs keep the viewer
  // alive without moving its media.
  void alive(const std::string& session_id, const PeerAddress& from, bool nominated);

  size_t viewers() const { return viewer_count_.load(std::memory_order_relaxed); }
  std::vector<ViewerStats> stats() const;  // as of the last tick (about once a second)

 private:
  struct Peer;
  struct Rendition {
    std::string name;
    std::vector<std::shared_ptr<const RtpFrame>> gop;  // since the last keyframe
    size_t gop_packets = 0;
    std::array<SharedRtpPacket, kPacketCache> packets;
  };
  struct Room {
    RoomTracks tracks;
    std::vector<Rendition> video;
    std::vector<std::string> names;
    std::vector<Peer*> peers;
  };

  std::span<uint8_t> slot(const WebRtcPeer& peer) override;
  void commit(const WebRtcPeer& peer, size_t length) override;
  void flush();
  void splitMessages(size_t from);  // GSO refused: the messages from `from` on become one per datagram

  void doPublish(const std::string& room, const std::string& rendition, const std::shared_ptr<const RtpFrame>& f);
  void doDatagram(const std::string& session_id, const PeerAddress& from, std::vector<uint8_t>& bytes);
  void onConnected(Room& room, Peer& peer);
  void onRtcp(Room& room, Peer& peer, const PeerRtcpEvents& events);
  void askForPending(Room& room, Peer& peer);
  void drop(const std::string& session_id, bool send_close);
  void tick();
  void armTimer();
  static int64_t nowNs();

  int fd_;
  const DtlsCertificate& certificate_;
  std::chrono::nanoseconds consent_timeout_;
  FanoutWorkerHost& host_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  bool running_ = false;

  std::unordered_map<std::string, Room> rooms_;
  std::unordered_map<std::string, std::unique_ptr<Peer>> peers_;
  std::atomic<size_t> viewer_count_{0};
  int64_t next_report_ns_ = 0;

  // The send batch; `current_` is the peer whose datagrams commit() queues. A message covers a run of
  // consecutive slots (iovecs); with GSO more than one, all of `segment_` bytes but a shorter last one.
  Peer* current_ = nullptr;
  std::vector<std::array<uint8_t, kSlotSize>> slots_;
  std::array<mmsghdr, kBatch> messages_{};
  std::array<iovec, kBatch> iovecs_{};
  std::array<std::array<uint64_t, 4>, kBatch> controls_{};  // room for one UDP_SEGMENT cmsg each, aligned
  size_t queued_ = 0;    // slots
  size_t messages_count_ = 0;
  bool gso_;
  const Peer* run_peer_ = nullptr;  // the last message's peer, while more segments may join it
  size_t segment_ = 0;
  size_t run_bytes_ = 0;

  mutable std::mutex stats_mutex_;
  std::vector<ViewerStats> stats_;
};

}  // namespace airclass::media::webrtc
