// The WebRTC fan-out: every WHEP viewer on one UDP port (and ICE-TCP, RFC 6544, on the same port number),
// sharded over one worker thread per core. A room's media hands it each rendition's RTP, packetized once; the
// viewer's worker rewrites the per-viewer header fields, protects (SRTP) and sends it with batched syscalls.
// Threads: constructor, start(), stop() and destructor on the owner (the server's main thread);
// setRoomTracks(), publish() and endRoom() on the media loop (listener callbacks arrive there too);
// addViewer(), removeViewer() and snapshot() on any thread (the HTTP thread in practice).
#pragma once
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "media/webrtc/rtp_packet.hpp"

namespace airclass::media::webrtc {

// One access unit of one track, packetized once; shared read-only by every worker.
struct RtpFrame {
  std::vector<SharedRtpPacket> packets;
  bool keyframe = false;  // video: an IDR with its SPS/PPS in front (a joining viewer starts here)
  int64_t pts_ns = 0;     // the RTP clock in ns: the broadcast timeline, moved on across publisher outages
};

// One track a room offers over WebRTC. Packets carry `ssrc` and `payload_type`; a worker rewrites them (and
// sequence/timestamp offsets when a viewer moves between renditions) in its per-viewer copy.
struct TrackInfo {
  std::string rendition;  // video: the HLS rendition name ("source", "720p", ...); audio: "audio"
  int width = 0;          // video only
  int height = 0;
  int bandwidth_bps = 0;
  uint32_t ssrc = 0;
  uint8_t payload_type = 0;
  uint32_t clock_rate = 90000;  // 90000 (H.264) or 48000 (Opus)
};

struct RoomTracks {
  std::vector<TrackInfo> video;    // lowest bandwidth first
  std::optional<TrackInfo> audio;  // Opus, 48 kHz, 2 channels
};

// Told when viewers need a keyframe: a joining viewer without a cached GOP, or PLI/FIR from viewers, coalesced
// to at most one request per rendition per 500 ms. Media loop.
class FanoutListener {
 public:
  virtual ~FanoutListener() = default;
  virtual void onKeyframeRequest(const std::string& room, const std::string& rendition) = 0;
};

struct ViewerRequest {
  std::string room;
  std::string viewer_id;  // the token's `sub`: counts de-duplicate on it
  std::string offer_sdp;  // the WHEP offer (recvonly)
  std::string rendition;  // "" = the server picks one and adapts it to the viewer's loss and bandwidth
};

struct ViewerSession {
  std::string id;          // WHEP resource id (DELETE /whep/<room>/<id>)
  std::string answer_sdp;
};

struct ViewerStats {
  std::string session_id;
  std::string room;
  std::string viewer_id;
  std::string rendition;  // the one the viewer receives now
  bool connected = false; // ICE and DTLS done, media flowing
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t nacks = 0;      // NACKed packets received from the viewer
  uint64_t retransmits = 0;
  uint64_t plis = 0;       // PLI + FIR received
  double loss = 0;         // fraction lost from the viewer's latest receiver report, 0..1
};

struct FanoutSnapshot {
  int64_t time_ms = 0;  // unix ms when it was taken
  std::vector<ViewerStats> viewers;
  uint64_t packets_dropped = 0;  // bad STUN/DTLS/SRTP/RTCP input, refused sessions
};

class Fanout {
 public:
  // Reads [webrtc]: port, candidates, workers.
  Fanout(boost::asio::io_context& media_loop, const common::Config& config, FanoutListener& listener);
  ~Fanout();  // stop()
  Fanout(const Fanout&) = delete;
  Fanout& operator=(const Fanout&) = delete;

  // Binds the UDP and TCP port and starts the workers. Throws common::Error(Unavailable) when it cannot.
  void start();
  // Closes every viewer and joins the workers. Idempotent.
  void stop();
  int port() const;

  // Media loop. The room's tracks (again whenever they change); viewers may join once a room has tracks.
  void setRoomTracks(const std::string& room, RoomTracks tracks);
  void publish(const std::string& room, const std::string& rendition, std::shared_ptr<const RtpFrame> frame);
  // The broadcast ended: its viewers are closed (DTLS close_notify) and the room forgotten.
  void endRoom(const std::string& room);

  // Any thread. Throws common::Error: NotFound (no such live room), BadRequest or Unsupported (the offer),
  // Unavailable (viewer limit reached).
  ViewerSession addViewer(const ViewerRequest& request);
  bool removeViewer(const std::string& session_id);
  // Refreshed about once a second; never null after construction.
  std::shared_ptr<const FanoutSnapshot> snapshot() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airclass::media::webrtc
