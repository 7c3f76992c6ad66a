// WebRtcPeer without sockets: a client DtlsTransport does the handshake through a capturing PeerSender, then
// the test plays the viewer: it sends SRTCP receiver reports and REMBs and checks the rung switch (down on
// sustained loss or a low REMB, at the target rung's next keyframe, back up after clean reports), the seamless
// numbering across the switch, and the sender reports' NTP/RTP mapping and counts.
#include "media/webrtc/webrtc_peer.hpp"

#include <gtest/gtest.h>

#include "media/webrtc/byte_order.hpp"
#include "media/webrtc/rtcp_compound.hpp"
#include "media/webrtc/rtp_header.hpp"

namespace airclass::media::webrtc {
namespace {

constexpr uint32_t kVideoSsrc = 0xA1A1A1A1;
constexpr uint32_t kAudioSsrc = 0xB2B2B2B2;
constexpr int64_t kSecond = 1'000'000'000;

// Collects what the peer sends.
class Capture final : public PeerSender {
 public:
  std::span<uint8_t> slot(const WebRtcPeer&) override { return buffer_; }
  void commit(const WebRtcPeer&, size_t length) override {
    sent.emplace_back(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(length));
  }
  std::vector<std::vector<uint8_t>> take() { return std::exchange(sent, {}); }
  std::vector<std::vector<uint8_t>> sent;

 private:
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(kSlotSize);
};

std::shared_ptr<const RtpFrame> frame(uint16_t& seq, uint32_t ts, bool key, size_t packets, uint8_t fill) {
  auto f = std::make_shared<RtpFrame>();
  f->keyframe = key;
  f->pts_ns = static_cast<int64_t>(ts) * 1'000'000 / 90;
  for (size_t i = 0; i < packets; ++i) {
    auto p = std::make_shared<RtpPacket>();
    p->sequence = seq++;
    p->timestamp = ts;
    p->bytes = {0x80, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    storeU16(&p->bytes[2], p->sequence);
    storeU32(&p->bytes[4], ts);
    p->bytes.resize(12 + 100, fill);
    f->packets.push_back(p);
  }
  return f;
}

class WebRtcPeerTest : public ::testing::Test {
 protected:
  void connect(bool fixed_rendition = false) {
    PeerSetup setup;
    setup.session_id = "s1";
    setup.room = "math";
    setup.remote_fingerprint = client_cert_.fingerprint();
    setup.fixed_rendition = fixed_rendition;
    setup.rendition = 2;
    setup.video_payload_type = 102;
    setup.audio_payload_type = 111;
    setup.video_ssrc = kVideoSsrc;
    setup.audio_ssrc = kAudioSsrc;
    peer_ = std::make_unique<WebRtcPeer>(server_cert_, setup, now_);
    peer_->setRenditions({300'000, 600'000, 2'500'000});
    client_ = std::make_unique<DtlsTransport>(client_cert_, DtlsRole::Client, server_cert_.fingerprint());
    client_->start();
    for (int round = 0; round < 20 && !peer_->connected(); ++round) {
      for (const auto& d : client_->takeOutgoing()) {
        DtlsInput result = DtlsInput::Ok;
        (void)peer_->handleDtls(d, sender_, result);
      }
      for (const auto& d : sender_.take()) client_->handleDatagram(d);
    }
    ASSERT_TRUE(peer_->connected());
    client_send_ = std::make_unique<SrtpContext>(client_->makeSendContext());
    client_receive_ = std::make_unique<SrtpContext>(client_->makeReceiveContext());
  }

  // The viewer's SRTCP, handled by the peer; false when the peer refused it.
  bool viewerSends(std::vector<uint8_t> rtcp) {
    size_t length = rtcp.size();
    rtcp.resize(length + SrtpContext::kMaxOverhead);
    EXPECT_EQ(client_send_->protectRtcp(rtcp, length), SrtpStatus::Ok);
    PeerRtcpEvents events;
    now_ += kSecond;
    return peer_->handleRtcp(std::span(rtcp.data(), length), now_, events);
  }
  void report(double loss) {
    std::vector<uint8_t> rr = {0x81, 201, 0, 7, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,
                               0,    0,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    storeU32(&rr[8], kVideoSsrc);
    rr[12] = static_cast<uint8_t>(loss * 256);
    ASSERT_TRUE(viewerSends(rr));
  }
  void remb(uint32_t bps) {
    uint8_t exponent = 0;
    while ((bps >> exponent) >= (1U << 18)) ++exponent;
    const uint32_t mantissa = bps >> exponent;
    std::vector<uint8_t> p = {0x8F, 206, 0, 5, 0, 0, 0, 7, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 1,
                              static_cast<uint8_t>(exponent << 2 | mantissa >> 16),
                              static_cast<uint8_t>(mantissa >> 8), static_cast<uint8_t>(mantissa), 0, 0, 0, 0};
    storeU32(&p[20], kVideoSsrc);
    ASSERT_TRUE(viewerSends(p));
  }

  // What the viewer receives, unprotected: RTP headers' (sequence, timestamp) or RTCP compounds.
  std::vector<std::pair<uint16_t, uint32_t>> receivedRtp() {
    std::vector<std::pair<uint16_t, uint32_t>> out;
    for (auto& d : sender_.take()) {
      size_t length = d.size();
      EXPECT_EQ(client_receive_->unprotectRtp(d, length), SrtpStatus::Ok);
      auto h = RtpHeader::parse(std::span(d.data(), length));
      EXPECT_TRUE(h.has_value());
      EXPECT_EQ(h->ssrc, kVideoSsrc);
      out.emplace_back(h->sequence, h->timestamp);
    }
    return out;
  }
  std::vector<RtcpSenderReport> receivedReports() {
    std::vector<RtcpSenderReport> out;
    for (auto& d : sender_.take()) {
      size_t length = d.size();
      EXPECT_EQ(client_receive_->unprotectRtcp(d, length), SrtpStatus::Ok);
      auto rtcp = RtcpCompound::parse(std::span(d.data(), length));
      EXPECT_TRUE(rtcp.ok());
      if (rtcp.ok()) out.insert(out.end(), rtcp->sender_reports.begin(), rtcp->sender_reports.end());
    }
    return out;
  }

  DtlsCertificate server_cert_, client_cert_;
  Capture sender_;
  int64_t now_ = 1000 * kSecond;
  std::unique_ptr<WebRtcPeer> peer_;
  std::unique_ptr<DtlsTransport> client_;
  std::unique_ptr<SrtpContext> client_send_, client_receive_;
};

TEST_F(WebRtcPeerTest, SustainedLossMovesDownAtTheNextKeyframeAndCleanReportsMoveBackUp) {
  connect();
  uint16_t top_seq = 100, mid_seq = 5000;
  peer_->sendVideo(2, *frame(top_seq, 9000, true, 3, 1), sender_, now_);
  EXPECT_EQ(receivedRtp().size(), 3u);

  report(0.20);
  report(0.20);
  EXPECT_FALSE(peer_->pendingRendition().has_value());  // two bad reports are not yet sustained loss
  report(0.20);
  ASSERT_EQ(peer_->pendingRendition(), std::optional<size_t>(1));
  EXPECT_EQ(peer_->rendition(), 2u);

  // Until the lower rung's keyframe the viewer stays on the top one.
  peer_->sendVideo(1, *frame(mid_seq, 12000, false, 1, 2), sender_, now_);
  peer_->sendVideo(2, *frame(top_seq, 12000, false, 2, 2), sender_, now_);
  auto before = receivedRtp();
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before.back().first, 104);
  peer_->sendVideo(1, *frame(mid_seq, 15000, true, 2, 3), sender_, now_);
  peer_->sendVideo(2, *frame(top_seq, 15000, true, 2, 3), sender_, now_);  // the old rung: no longer sent
  auto after = receivedRtp();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(peer_->rendition(), 1u);
  EXPECT_FALSE(peer_->pendingRendition().has_value());
  EXPECT_EQ(after[0].first, 105);  // the viewer's numbering continues across the switch
  EXPECT_EQ(after[1].first, 106);
  EXPECT_GT(after[0].second, before.back().second);

  // Seven clean reports are not enough, the eighth moves the viewer back up (no REMB limits it).
  for (int i = 0; i < 7; ++i) report(0.0);
  EXPECT_FALSE(peer_->pendingRendition().has_value());
  report(0.0);
  EXPECT_EQ(peer_->pendingRendition(), std::optional<size_t>(2));
  peer_->sendVideo(2, *frame(top_seq, 18000, true, 1, 4), sender_, now_);
  EXPECT_EQ(peer_->rendition(), 2u);
  EXPECT_EQ(receivedRtp().at(0).first, 107);
}

TEST_F(WebRtcPeerTest, LowRembMovesDownAndOnlyAHighEnoughOneLetsTheViewerBackUp) {
  connect();
  uint16_t seq = 1;
  peer_->sendVideo(2, *frame(seq, 9000, true, 1, 1), sender_, now_);
  remb(1'000'000);  // below the top rung's 2.5 Mbps
  ASSERT_EQ(peer_->pendingRendition(), std::optional<size_t>(1));
  peer_->sendVideo(1, *frame(seq, 12000, true, 1, 1), sender_, now_);
  ASSERT_EQ(peer_->rendition(), 1u);
  for (int i = 0; i < 10; ++i) report(0.0);
  EXPECT_FALSE(peer_->pendingRendition().has_value());  // clean, but 1 Mbps < 2.5 Mbps x 1.25
  remb(4'000'000);
  for (int i = 0; i < 8; ++i) report(0.0);
  EXPECT_EQ(peer_->pendingRendition(), std::optional<size_t>(2));
}

TEST_F(WebRtcPeerTest, AViewerThatAskedForARenditionStaysOnIt) {
  connect(/*fixed_rendition=*/true);
  for (int i = 0; i < 5; ++i) report(0.5);
  remb(100'000);
  EXPECT_FALSE(peer_->pendingRendition().has_value());
  EXPECT_EQ(peer_->rendition(), 2u);
}

TEST_F(WebRtcPeerTest, AViewerFollowsItsRenditionWhenTheRoomsTracksAreReordered) {
  connect(/*fixed_rendition=*/true);
  uint16_t seq = 1;
  peer_->sendVideo(2, *frame(seq, 9000, true, 1, 1), sender_, now_);
  ASSERT_EQ(receivedRtp().size(), 1u);
  // The source's estimated bitrate fell below a rung's (its publisher scaled down): the order flips, and the
  // viewer's rendition is now at index 0. It keeps receiving it, mid-GOP, with no new keyframe needed.
  const std::vector<size_t> moved{2, 1, 0};
  peer_->setRenditions({200'000, 600'000, 2'500'000}, moved);
  EXPECT_EQ(peer_->rendition(), 0u);
  peer_->sendVideo(2, *frame(seq, 12000, false, 1, 2), sender_, now_);  // now another rendition: not sent
  EXPECT_TRUE(receivedRtp().empty());
  peer_->sendVideo(0, *frame(seq, 12000, false, 1, 3), sender_, now_);
  EXPECT_EQ(receivedRtp().size(), 1u);
  // Its rendition gone: the top rung, from its next keyframe.
  peer_->setRenditions({600'000, 2'500'000}, std::vector<size_t>{SIZE_MAX, 0, 1});
  EXPECT_EQ(peer_->rendition(), 1u);
  peer_->sendVideo(1, *frame(seq, 15000, false, 1, 4), sender_, now_);
  EXPECT_TRUE(receivedRtp().empty());
  peer_->sendVideo(1, *frame(seq, 18000, true, 1, 5), sender_, now_);
  EXPECT_EQ(receivedRtp().size(), 1u);
}

TEST_F(WebRtcPeerTest, SenderReportsMapNtpToRtpTimeAndCountWhatWasSent) {
  connect();
  sender_.take();
  peer_->sendReports(sender_, now_, 1'700'000'000 * kSecond);
  EXPECT_TRUE(sender_.take().empty());  // nothing sent yet: no report

  uint16_t seq = 10;
  const int64_t sent_at = now_;
  peer_->sendVideo(2, *frame(seq, 90000, true, 3, 1), sender_, sent_at);
  uint16_t audio_seq = 1;
  auto a = frame(audio_seq, 48000, false, 1, 5);
  peer_->sendAudio(*a, sender_, sent_at);
  sender_.take();

  // Half a second after the last frames; the wall clock is at x.5 s.
  const int64_t unix_ns = 1'700'000'000 * kSecond + kSecond / 2;
  peer_->sendReports(sender_, sent_at + kSecond / 2, unix_ns);
  const auto reports = receivedReports();
  ASSERT_EQ(reports.size(), 2u);
  const uint64_t ntp_seconds = 1'700'000'000ULL + 2'208'988'800ULL;
  for (const auto& sr : reports) {
    EXPECT_EQ(sr.ntp_timestamp >> 32, ntp_seconds);
    EXPECT_EQ(sr.ntp_timestamp & 0xFFFFFFFFU, 0x80000000U);
  }
  EXPECT_EQ(reports[0].ssrc, kVideoSsrc);
  EXPECT_EQ(reports[0].rtp_timestamp, 90000u + 45000u);  // last RTP time + 0.5 s at 90 kHz
  EXPECT_EQ(reports[0].packet_count, 3u);
  EXPECT_EQ(reports[0].octet_count, 300u);
  EXPECT_EQ(reports[1].ssrc, kAudioSsrc);
  EXPECT_EQ(reports[1].rtp_timestamp, 48000u + 24000u);  // ... at 48 kHz
  EXPECT_EQ(reports[1].packet_count, 1u);
  EXPECT_EQ(reports[1].octet_count, 100u);
}

}  // namespace
}  // namespace airclass::media::webrtc
