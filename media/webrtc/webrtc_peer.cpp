#include "media/webrtc/webrtc_peer.hpp"

#include <algorithm>
#include <cstring>

#include "media/webrtc/byte_order.hpp"
#include "media/webrtc/rtcp_compound.hpp"

namespace airclass::media::webrtc {
namespace {

constexpr double kLossDown = 0.10;        // average loss over the last reports that moves a viewer down a rung
constexpr double kLossGood = 0.02;        // a report this clean counts towards moving up
constexpr int kGoodReportsUp = 8;         // ... and this many in a row do (about 8 s at one report a second)
constexpr double kUpHeadroom = 1.25;      // REMB must exceed the next rung's bitrate by this much to move up
constexpr int64_t kNtpUnixOffset = 2208988800LL;  // seconds from 1900 to 1970

uint64_t toNtp(int64_t unix_ns) {
  const auto seconds = static_cast<uint64_t>(unix_ns / 1000000000 + kNtpUnixOffset);
  const auto fraction = (static_cast<uint64_t>(unix_ns % 1000000000) << 32) / 1000000000U;
  return (seconds << 32) | fraction;
}

// RTP clock ticks in a (short) interval; wraps like RTP timestamps do.
uint32_t ticks(int64_t ns, uint32_t clock_rate) {
  return static_cast<uint32_t>(static_cast<int64_t>(static_cast<double>(ns) * clock_rate / 1e9));
}

}  // namespace

WebRtcPeer::WebRtcPeer(const DtlsCertificate& certificate, PeerSetup setup, int64_t now_ns)
    : setup_(std::move(setup)),
      dtls_(certificate, DtlsRole::Server, setup_.remote_fingerprint),
      last_alive_ns_(now_ns) {
  video_.ssrc = setup_.video_ssrc;
  video_.payload_type = static_cast<uint8_t>(std::max(setup_.video_payload_type, 0));
  video_.rendition = setup_.rendition;
  audio_.ssrc = setup_.audio_ssrc;
  audio_.payload_type = static_cast<uint8_t>(std::max(setup_.audio_payload_type, 0));
  audio_.clock_rate = 48000;
  dtls_.start();
}

bool WebRtcPeer::dtlsClosed() const {
  return dtls_.state() == DtlsState::Closed || dtls_.state() == DtlsState::Failed;
}

void WebRtcPeer::flushDtls(PeerSender& sender) {
  for (const auto& d : dtls_.takeOutgoing()) {
    auto out = sender.slot(*this);
    if (d.size() > out.size()) continue;
    std::memcpy(out.data(), d.data(), d.size());
    sender.commit(*this, d.size());
  }
}

bool WebRtcPeer::handleDtls(std::span<const uint8_t> datagram, PeerSender& sender, DtlsInput& result) {
  result = dtls_.handleDatagram(datagram);
  flushDtls(sender);
  if (connected() || dtls_.state() != DtlsState::Connected) return false;
  srtp_send_ = std::make_unique<SrtpContext>(dtls_.makeSendContext());
  srtp_receive_ = std::make_unique<SrtpContext>(dtls_.makeReceiveContext());
  return true;
}

void WebRtcPeer::handleDtlsTimer(PeerSender& sender) {
  const auto due = dtls_.timeout();
  if (!due || due->count() > 0) return;
  dtls_.handleTimeout();
  flushDtls(sender);
}

void WebRtcPeer::close(PeerSender& sender) {
  dtls_.close();
  flushDtls(sender);
}

std::optional<size_t> WebRtcPeer::pendingRendition() const { return pending_; }

void WebRtcPeer::setRenditions(std::vector<int> bandwidths_bps, std::span<const size_t> new_index) {
  bandwidths_ = std::move(bandwidths_bps);
  const auto follow = [&](size_t old) { return old < new_index.size() ? new_index[old] : old; };
  const size_t top = bandwidths_.empty() ? 0 : bandwidths_.size() - 1;
  const size_t now = follow(video_.rendition);
  if (now > top) {
    video_.rendition = top;
    video_.started = false;  // a fresh start on the new rendition's keyframe; offsets keep the numbering smooth
  } else {
    video_.rendition = now;
  }
  if (pending_) {
    const size_t next = follow(*pending_);
    if (next > top) {
      pending_.reset();
    } else {
      pending_ = next;
    }
  }
}

bool WebRtcPeer::sendPacket(std::span<const uint8_t> bytes, uint8_t payload_type, uint16_t seq, uint32_t ts,
                            uint32_t ssrc, PeerSender& sender, size_t prefix_seq) {
  const size_t extra = prefix_seq == SIZE_MAX ? 0 : 2;
  auto out = sender.slot(*this);
  if (bytes.size() < RtpPacket::kHeaderSize || bytes.size() + extra + SrtpContext::kMaxOverhead > out.size()) {
    return false;
  }
  uint8_t* p = out.data();
  std::memcpy(p, bytes.data(), RtpPacket::kHeaderSize);
  if (extra) storeU16(p + RtpPacket::kHeaderSize, static_cast<uint16_t>(prefix_seq));
  std::memcpy(p + RtpPacket::kHeaderSize + extra, bytes.data() + RtpPacket::kHeaderSize,
              bytes.size() - RtpPacket::kHeaderSize);
  p[0] &= 0xF0U;  // the shared packets carry no CSRCs, extension or padding; keep it that way
  p[1] = static_cast<uint8_t>((p[1] & 0x80U) | (payload_type & 0x7FU));
  storeU16(p + 2, seq);
  storeU32(p + 4, ts);
  storeU32(p + 8, ssrc);
  size_t length = bytes.size() + extra;
  if (srtp_send_->protectRtp(out, length) != SrtpStatus::Ok) return false;
  sender.commit(*this, length);
  ++packets_sent_;
  bytes_sent_ += length;
  return true;
}

void WebRtcPeer::sendFrame(Track& track, const RtpFrame& frame, PeerSender& sender, int64_t now_ns) {
  if (frame.packets.empty()) return;
  const RtpPacket& first = *frame.packets.front();
  if (!track.started) {
    if (track.clock_rate == 90000 && !frame.keyframe) return;  // video starts on a keyframe
    track.started = true;
    if (track.sent_any) {  // a new rendition (or a restart): continue the viewer's numbering and clock
      const int64_t gap = std::max<int64_t>(frame.pts_ns - track.last_pts_ns, 1000000);
      track.seq_offset = static_cast<uint16_t>(track.last_seq + 1 - first.sequence);
      track.ts_offset = track.last_ts + std::max<uint32_t>(ticks(gap, track.clock_rate), 1) - first.timestamp;
    }
  }
  for (const auto& packet : frame.packets) {
    const auto seq = static_cast<uint16_t>(packet->sequence + track.seq_offset);
    const uint32_t ts = packet->timestamp + track.ts_offset;
    if (!sendPacket(packet->bytes, track.payload_type, seq, ts, track.ssrc, sender)) continue;
    track.last_seq = seq;
    track.last_ts = ts;
    ++track.packets;
    track.octets += static_cast<uint32_t>(packet->payload().size());
  }
  track.sent_any = true;
  track.last_pts_ns = frame.pts_ns;
  track.last_send_ns = now_ns;
}

void WebRtcPeer::sendVideo(size_t rendition, const RtpFrame& frame, PeerSender& sender, int64_t now_ns) {
  if (!connected() || setup_.video_payload_type < 0) return;
  if (pending_ && rendition == *pending_ && frame.keyframe) {
    video_.rendition = rendition;
    video_.started = false;
    pending_.reset();
  }
  if (rendition != video_.rendition) return;
  sendFrame(video_, frame, sender, now_ns);
}

void WebRtcPeer::sendAudio(const RtpFrame& frame, PeerSender& sender, int64_t now_ns) {
  if (!connected() || setup_.audio_payload_type < 0) return;
  sendFrame(audio_, frame, sender, now_ns);
}

std::optional<uint16_t> WebRtcPeer::sourceSequence(uint16_t viewer_sequence) const {
  if (!video_.started) return std::nullopt;
  return static_cast<uint16_t>(viewer_sequence - video_.seq_offset);
}

void WebRtcPeer::retransmit(const RtpPacket& packet, PeerSender& sender) {
  if (!connected()) return;
  const auto seq = static_cast<uint16_t>(packet.sequence + video_.seq_offset);
  const uint32_t ts = packet.timestamp + video_.ts_offset;
  const bool ok = setup_.rtx_payload_type >= 0 && setup_.rtx_ssrc != 0
                      ? sendPacket(packet.bytes, static_cast<uint8_t>(setup_.rtx_payload_type), rtx_seq_++, ts,
                                   setup_.rtx_ssrc, sender, seq)
                      : sendPacket(packet.bytes, video_.payload_type, seq, ts, video_.ssrc, sender);
  if (ok) ++retransmits_;
}

void WebRtcPeer::sendReports(PeerSender& sender, int64_t now_ns, int64_t unix_ns) {
  if (!connected()) return;
  std::vector<uint8_t> compound;
  for (const Track* track : {&video_, &audio_}) {
    if (!track->sent_any) continue;
    RtcpSenderReport sr;
    sr.ssrc = track->ssrc;
    sr.ntp_timestamp = toNtp(unix_ns);
    sr.rtp_timestamp = track->last_ts + ticks(now_ns - track->last_send_ns, track->clock_rate);
    sr.packet_count = track->packets;
    sr.octet_count = track->octets;
    RtcpCompound::appendSenderReport(sr, compound);
  }
  if (compound.empty()) return;
  auto out = sender.slot(*this);
  if (compound.size() + SrtpContext::kMaxOverhead > out.size()) return;
  std::memcpy(out.data(), compound.data(), compound.size());
  size_t length = compound.size();
  if (srtp_send_->protectRtcp(out, length) == SrtpStatus::Ok) sender.commit(*this, length);
}

bool WebRtcPeer::handleRtcp(std::span<uint8_t> datagram, int64_t now_ns, PeerRtcpEvents& events) {
  if (!srtp_receive_) return false;
  size_t length = datagram.size();
  if (srtp_receive_->unprotectRtcp(datagram, length) != SrtpStatus::Ok) return false;
  auto parsed = RtcpCompound::parse(datagram.first(length));
  if (!parsed.ok()) return false;
  last_alive_ns_ = now_ns;  // consent: authenticated traffic from the viewer
  const RtcpCompound& rtcp = *parsed;
  for (const auto& rr : rtcp.receiver_reports) {
    for (const auto& block : rr.reports) {
      if (block.ssrc == video_.ssrc && setup_.video_payload_type >= 0) onLoss(block.fraction_lost / 256.0);
    }
  }
  for (const auto& pli : rtcp.plis) {
    if (pli.media_ssrc == video_.ssrc) {
      events.keyframe = true;
      ++plis_;
    }
  }
  for (const auto& fir : rtcp.firs) {
    for (const auto& entry : fir.entries) {
      if (entry.ssrc == video_.ssrc) {
        events.keyframe = true;
        ++plis_;
      }
    }
  }
  for (const auto& nack : rtcp.nacks) {
    if (nack.media_ssrc != video_.ssrc) continue;
    nacks_ += nack.lost.size();
    events.nacked.insert(events.nacked.end(), nack.lost.begin(), nack.lost.end());
  }
  for (const auto& remb : rtcp.rembs) onRemb(remb.bitrate_bps);
  return true;
}

void WebRtcPeer::onLoss(double fraction) {
  loss_ = fraction;
  losses_[loss_reports_++ % 3] = fraction;
  if (setup_.fixed_rendition || bandwidths_.empty()) return;
  const double average = (losses_[0] + losses_[1] + losses_[2]) / 3;
  if (loss_reports_ >= 3 && average > kLossDown) {
    good_reports_ = 0;
    if (video_.rendition > 0 && (!pending_ || *pending_ >= video_.rendition)) {
      pending_ = video_.rendition - 1;
      std::fill(std::begin(losses_), std::end(losses_), 0.0);  // judge the new rung on its own reports
      loss_reports_ = 0;
    }
    return;
  }
  good_reports_ = fraction < kLossGood ? good_reports_ + 1 : 0;
  const size_t up = video_.rendition + 1;
  if (good_reports_ >= kGoodReportsUp && !pending_ && up < bandwidths_.size() &&
      (remb_bps_ == 0 || static_cast<double>(remb_bps_) > bandwidths_[up] * kUpHeadroom)) {
    pending_ = up;
    good_reports_ = 0;
  }
}

void WebRtcPeer::onRemb(uint64_t bps) {
  remb_bps_ = bps;
  if (setup_.fixed_rendition || bandwidths_.empty() || video_.rendition == 0 || pending_) return;
  if (static_cast<double>(bps) < bandwidths_[video_.rendition]) {
    pending_ = video_.rendition - 1;
    good_reports_ = 0;
  }
}

ViewerStats WebRtcPeer::stats(const std::vector<std::string>& rendition_names) const {
  ViewerStats s;
  s.session_id = setup_.session_id;
  s.room = setup_.room;
  s.viewer_id = setup_.viewer_id;
  if (video_.rendition < rendition_names.size()) s.rendition = rendition_names[video_.rendition];
  s.connected = connected();
  s.packets_sent = packets_sent_;
  s.bytes_sent = bytes_sent_;
  s.nacks = nacks_;
  s.retransmits = retransmits_;
  s.plis = plis_;
  s.loss = loss_;
  return s;
}

}  // namespace airclass::media::webrtc
