// One WHEP viewer on the fan-out: its DTLS association and SRTP keys, the per-viewer RTP header rewrite (SSRC,
// payload type, sequence and timestamp offsets, so it can move between renditions seamlessly), RTCP from the
// viewer (receiver reports, PLI/FIR, NACK, REMB), our sender reports, consent freshness and the rung it is on.
// I/O-free: datagrams go out through a PeerSender. Owned by one fan-out worker; only that thread calls it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/fanout.hpp"
#include "media/webrtc/srtp_context.hpp"

namespace airclass::media::webrtc {

class WebRtcPeer;

// The worker's batched send path as a peer sees it.
class PeerSender {
 public:
  static constexpr size_t kSlotSize = 1600;  // one datagram plus SRTP overhead
  virtual ~PeerSender() = default;
  // A buffer of kSlotSize bytes for the next datagram to `peer`; commit(length) queues it.
  virtual std::span<uint8_t> slot(const WebRtcPeer& peer) = 0;
  virtual void commit(const WebRtcPeer& peer, size_t length) = 0;
};

// What the viewer's RTCP asks of the worker.
struct PeerRtcpEvents {
  bool keyframe = false;              // PLI or FIR for our video
  std::vector<uint16_t> nacked;       // video sequence numbers (the viewer's numbering) to retransmit
};

struct PeerSetup {
  std::string session_id;
  std::string room;
  std::string viewer_id;
  std::string remote_fingerprint;
  bool fixed_rendition = false;  // the viewer asked for one; no adaptation
  size_t rendition = 0;          // index into the room's video tracks
  // Negotiated for this viewer; -1 when the section was rejected.
  int video_payload_type = -1;
  int rtx_payload_type = -1;
  int audio_payload_type = -1;
  uint32_t video_ssrc = 0;
  uint32_t rtx_ssrc = 0;
  uint32_t audio_ssrc = 0;
};

class WebRtcPeer {
 public:
  WebRtcPeer(const DtlsCertificate& certificate, PeerSetup setup, int64_t now_ns);

  const PeerSetup& setup() const { return setup_; }
  bool connected() const { return srtp_send_ != nullptr; }
  bool dtlsClosed() const;
  int64_t lastAliveNs() const { return last_alive_ns_; }
  void alive(int64_t now_ns) { last_alive_ns_ = now_ns; }

  // A DTLS datagram. Returns true when the handshake finished with it (media may flow now).
  bool handleDtls(std::span<const uint8_t> datagram, PeerSender& sender, DtlsInput& result);
  void handleDtlsTimer(PeerSender& sender);
  // Sends close_notify.
  void close(PeerSender& sender);

  // An SRTCP datagram, unprotected in place. False when it failed authentication or parsing (counted by caller).
  bool handleRtcp(std::span<uint8_t> datagram, int64_t now_ns, PeerRtcpEvents& events);

  // Video: the rendition the viewer receives and the one it moves to at that rendition's next keyframe.
  size_t rendition() const { return video_.rendition; }
  std::optional<size_t> pendingRendition() const;
  bool waitingForKeyframe() const { return connected() && !video_.started; }
  // The room's renditions changed (count, bitrates, order). `new_index[i]` is where the old rendition i is now
  // (SIZE_MAX: gone); empty: same order. The viewer follows its rendition by name; if it is gone, the viewer
  // moves to the top rung at its next keyframe.
  void setRenditions(std::vector<int> bandwidths_bps, std::span<const size_t> new_index = {});

  // One access unit of video rendition `rendition` (others are ignored) or of the audio track.
  void sendVideo(size_t rendition, const RtpFrame& frame, PeerSender& sender, int64_t now_ns);
  void sendAudio(const RtpFrame& frame, PeerSender& sender, int64_t now_ns);
  // The source sequence number (the rendition's own numbering) behind a NACKed viewer sequence number, or
  // nullopt when it belongs to an older rendition.
  std::optional<uint16_t> sourceSequence(uint16_t viewer_sequence) const;
  // Retransmits `packet` of the current rendition (as RTX when negotiated).
  void retransmit(const RtpPacket& packet, PeerSender& sender);
  // Sender reports for the tracks that sent media, about once a second.
  void sendReports(PeerSender& sender, int64_t now_ns, int64_t unix_ns);

  ViewerStats stats(const std::vector<std::string>& rendition_names) const;

 private:
  struct Track {
    uint32_t ssrc = 0;
    uint8_t payload_type = 0;
    uint32_t clock_rate = 90000;
    size_t rendition = 0;
    bool started = false;
    bool sent_any = false;
    uint16_t seq_offset = 0;
    uint32_t ts_offset = 0;
    uint16_t last_seq = 0;
    uint32_t last_ts = 0;
    int64_t last_pts_ns = 0;
    int64_t last_send_ns = 0;
    uint32_t packets = 0;
    uint32_t octets = 0;
  };
  void sendFrame(Track& track, const RtpFrame& frame, PeerSender& sender, int64_t now_ns);
  bool sendPacket(std::span<const uint8_t> bytes, uint8_t payload_type, uint16_t seq, uint32_t ts, uint32_t ssrc,
                  PeerSender& sender, size_t prefix_seq = SIZE_MAX);
  void flushDtls(PeerSender& sender);
  void onLoss(double fraction);
  void onRemb(uint64_t bps);

  PeerSetup setup_;
  DtlsTransport dtls_;
  std::unique_ptr<SrtpContext> srtp_send_;
  std::unique_ptr<SrtpContext> srtp_receive_;
  int64_t last_alive_ns_ = 0;
  Track video_;
  Track audio_;
  uint16_t rtx_seq_ = 0;
  std::optional<size_t> pending_;
  std::vector<int> bandwidths_;
  double losses_[3] = {0, 0, 0};
  size_t loss_reports_ = 0;
  int good_reports_ = 0;
  uint64_t remb_bps_ = 0;
  // Counters for stats().
  uint64_t packets_sent_ = 0;
  uint64_t bytes_sent_ = 0;
  uint64_t nacks_ = 0;
  uint64_t retransmits_ = 0;
  uint64_t plis_ = 0;
  double loss_ = 0;
};

}  // namespace airclass::media::webrtc
