#include "media/webrtc/sdp_answer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/error.hpp"

namespace airclass::media::webrtc {
namespace {

using common::Error;
using common::ErrorCode;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// How well an offered H.264 payload type fits our constrained-baseline stream: 2 constrained baseline (RFC 6184
// 8.1 table 5), 1 baseline (a superset decoder), 0 unusable (other profiles, packetization-mode 0).
int h264Score(const SdpCodec& c) {
  if (!iequals(c.name, "H264") || c.clock_rate != 90000 || c.fmtpParameter("packetization-mode") != "1") return 0;
  std::string plid = c.fmtpParameter("profile-level-id");
  if (plid.empty()) plid = "420010";  // RFC 6184 8.1 default
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(plid.data(), plid.data() + plid.size(), value, 16);
  if (plid.size() != 6 || ec != std::errc() || end != plid.data() + plid.size()) return 0;
  const unsigned profile = value >> 16;
  const unsigned iop = (value >> 8) & 0xFFU;
  if ((profile == 0x42 && (iop & 0x40U)) || (profile == 0x4D && (iop & 0x80U)) ||
      (profile == 0x58 && (iop & 0xC0U) == 0xC0U)) {
    return 2;
  }
  return profile == 0x42 ? 1 : 0;
}

bool isOpus(const SdpCodec& c) { return iequals(c.name, "opus") && c.clock_rate == 48000 && c.channels == 2; }

const SdpCodec* chooseCodec(const SdpMedia& m) {
  const SdpCodec* best = nullptr;
  int best_score = 0;
  for (const auto& c : m.codecs) {
    const int score = m.kind == "video" ? h264Score(c) : (m.kind == "audio" && isOpus(c) ? 1 : 0);
    if (score > best_score) {
      best = &c;
      best_score = score;
    }
  }
  return best;
}

const SdpCodec* findRtx(const SdpMedia& m, int apt) {
  for (const auto& c : m.codecs) {
    if (iequals(c.name, "rtx") && c.fmtpParameter("apt") == std::to_string(apt)) return &c;
  }
  return nullptr;
}

bool servable(const SdpMedia& m, SdpAnswerSettings::Role role, SdpDirection& ours) {
  if (m.port == 0 || (m.protocol != "UDP/TLS/RTP/SAVPF" && m.protocol != "TCP/DTLS/RTP/SAVPF")) return false;
  const bool they_receive = m.direction == SdpDirection::RecvOnly || m.direction == SdpDirection::SendRecv;
  const bool they_send = m.direction == SdpDirection::SendOnly || m.direction == SdpDirection::SendRecv;
  if (role == SdpAnswerSettings::Role::Send && they_receive) {
    ours = SdpDirection::SendOnly;
    return true;
  }
  if (role == SdpAnswerSettings::Role::Receive && they_send) {
    ours = SdpDirection::RecvOnly;
    return true;
  }
  return false;
}

NegotiatedMedia negotiate(const SdpMedia& m, const SdpAnswerSettings& settings, bool& have_video,
                          bool& have_audio) {
  NegotiatedMedia n;
  n.mid = m.mid;
  n.kind = m.kind;
  for (const auto& s : m.ssrcs) n.remote_ssrcs.push_back(s.ssrc);
  bool& have = m.kind == "video" ? have_video : have_audio;
  SdpDirection direction = SdpDirection::Inactive;
  if ((m.kind != "video" && m.kind != "audio") || have || !servable(m, settings.role, direction)) return n;
  const SdpCodec* codec = chooseCodec(m);
  if (!codec) return n;
  have = true;
  n.rejected = false;
  n.direction = direction;
  n.payload_type = codec->payload_type;
  n.codec = m.kind == "video" ? "H264" : "opus";
  n.clock_rate = codec->clock_rate;
  n.channels = codec->channels;
  n.fmtp = codec->fmtp;
  n.mid_extension = m.extmapId(SdpAnswer::kMidUri);
  n.transport_cc_extension = m.extmapId(SdpAnswer::kTransportCcUri);
  for (const auto& fb : codec->feedback) {
    const bool keep = fb == "transport-cc" ? n.transport_cc_extension != 0
                                           : (m.kind == "video" && (fb == "nack" || fb == "nack pli" || fb == "ccm fir"));
    if (keep && std::find(n.feedback.begin(), n.feedback.end(), fb) == n.feedback.end()) n.feedback.push_back(fb);
  }
  if (m.kind == "video") {
    if (const SdpCodec* rtx = findRtx(m, codec->payload_type)) n.rtx_payload_type = rtx->payload_type;
  }
  return n;
}

void line(std::string& s, std::string_view text) {
  s += text;
  s += "\r\n";
}

void check(bool ok, ErrorCode code, const std::string& what) {
  if (!ok) throw Error(code, "sdp answer: " + what);
}

}  // namespace

SdpAnswer SdpAnswer::create(const SessionDescription& offer, const SdpAnswerSettings& settings) {
  check(settings.ice_ufrag.size() >= 4 && settings.ice_pwd.size() >= 22 && !settings.fingerprint_sha256.empty(),
        ErrorCode::Config, "our ICE credentials or certificate fingerprint are missing");
  SdpAnswer answer;
  bool have_video = false;
  bool have_audio = false;
  const SdpMedia* first_accepted = nullptr;
  std::vector<std::string> bundle;
  for (const auto& m : offer.media) {
    answer.media.push_back(negotiate(m, settings, have_video, have_audio));
    if (answer.media.back().rejected) continue;
    check(!m.mid.empty(), ErrorCode::BadRequest, "m=" + m.kind + " section without a=mid");
    check(!m.ice_ufrag.empty() && !m.ice_pwd.empty(), ErrorCode::BadRequest, "offer without ICE credentials");
    check(m.fingerprint_algorithm == "sha-256" && !m.fingerprint.empty(), ErrorCode::BadRequest,
          "offer without a sha-256 DTLS fingerprint");
    check(m.rtcp_mux, ErrorCode::BadRequest, "offer without a=rtcp-mux (required)");
    check(m.setup == "actpass" || m.setup == "active", ErrorCode::Unsupported,
          "offer with a=setup:" + m.setup + " (we are DTLS passive)");
    if (!first_accepted) {
      first_accepted = &m;
    } else {
      check(m.ice_ufrag == first_accepted->ice_ufrag && m.fingerprint == first_accepted->fingerprint,
            ErrorCode::BadRequest, "bundled sections with different ICE or DTLS parameters");
    }
    bundle.push_back(m.mid);
  }
  check(first_accepted != nullptr, ErrorCode::Unsupported,
        std::string("no usable codec in the offer: need ") +
            (settings.role == SdpAnswerSettings::Role::Send ? "a recvonly/sendrecv" : "a sendonly/sendrecv") +
            " video section with H.264 packetization-mode=1 and a constrained-baseline-compatible "
            "profile-level-id (e.g. 42e01f), or an audio section with opus/48000/2");
  if (bundle.size() > 1) {
    for (const auto& mid : bundle) {
      check(std::find(offer.bundle.begin(), offer.bundle.end(), mid) != offer.bundle.end(), ErrorCode::BadRequest,
            "offer does not BUNDLE mid " + mid + " (BUNDLE is required)");
    }
  }
  answer.remote_ice_ufrag = first_accepted->ice_ufrag;
  answer.remote_ice_pwd = first_accepted->ice_pwd;
  answer.remote_fingerprint = first_accepted->fingerprint;

  std::string& s = answer.sdp;
  line(s, "v=0");
  line(s, "o=- " + std::to_string(settings.session_id) + " 2 IN IP4 127.0.0.1");
  line(s, "s=-");
  line(s, "t=0 0");
  line(s, "a=ice-lite");
  std::string group = "a=group:BUNDLE";
  for (const auto& mid : bundle) group += " " + mid;
  line(s, group);
  line(s, "a=msid-semantic: WMS " + settings.stream_id);
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const SdpMedia& m = offer.media[i];
    const NegotiatedMedia& n = answer.media[i];
    if (n.rejected) {
      line(s, "m=" + m.kind + " 0 " + m.protocol + " " + (m.formats.empty() ? "0" : m.formats[0]));
      line(s, "c=IN IP4 0.0.0.0");
      if (!m.mid.empty()) line(s, "a=mid:" + m.mid);
      line(s, "a=inactive");
      continue;
    }
    const std::string pt = std::to_string(n.payload_type);
    const std::string rtx = std::to_string(n.rtx_payload_type);
    line(s, "m=" + m.kind + " 9 " + m.protocol + " " + pt + (n.rtx_payload_type >= 0 ? " " + rtx : ""));
    line(s, "c=IN IP4 0.0.0.0");
    line(s, "a=ice-ufrag:" + settings.ice_ufrag);
    line(s, "a=ice-pwd:" + settings.ice_pwd);
    line(s, "a=fingerprint:sha-256 " + settings.fingerprint_sha256);
    line(s, "a=setup:passive");
    line(s, "a=mid:" + m.mid);
    if (n.mid_extension) line(s, "a=extmap:" + std::to_string(n.mid_extension) + " " + kMidUri);
    if (n.transport_cc_extension) line(s, "a=extmap:" + std::to_string(n.transport_cc_extension) + " " + kTransportCcUri);
    line(s, "a=" + std::string(toString(n.direction)));
    line(s, "a=rtcp-mux");
    if (m.rtcp_rsize) line(s, "a=rtcp-rsize");
    line(s, "a=rtpmap:" + pt + " " + m.codec(n.payload_type)->name + "/" + std::to_string(n.clock_rate) +
                (n.channels ? "/" + std::to_string(n.channels) : ""));
    for (const auto& fb : n.feedback) line(s, "a=rtcp-fb:" + pt + " " + fb);
    if (!n.fmtp.empty()) line(s, "a=fmtp:" + pt + " " + n.fmtp);
    if (n.rtx_payload_type >= 0) {
      line(s, "a=rtpmap:" + rtx + " rtx/90000");
      line(s, "a=fmtp:" + rtx + " apt=" + pt);
    }
    const uint32_t ssrc = m.kind == "video" ? settings.video_ssrc : settings.audio_ssrc;
    if (settings.role == SdpAnswerSettings::Role::Send && ssrc != 0) {
      const std::string msid = settings.stream_id + " " + m.kind;
      line(s, "a=msid:" + msid);
      const bool with_rtx = m.kind == "video" && n.rtx_payload_type >= 0 && settings.video_rtx_ssrc != 0;
      if (with_rtx) line(s, "a=ssrc-group:FID " + std::to_string(ssrc) + " " + std::to_string(settings.video_rtx_ssrc));
      for (const uint32_t id : {ssrc, with_rtx ? settings.video_rtx_ssrc : 0U}) {
        if (id == 0) continue;
        line(s, "a=ssrc:" + std::to_string(id) + " cname:" + settings.cname);
        line(s, "a=ssrc:" + std::to_string(id) + " msid:" + msid);
      }
    }
    for (const auto& c : settings.candidates) {
      line(s, "a=candidate:" + c.foundation + " 1 " + (c.tcp ? "tcp " : "udp ") + std::to_string(c.priority) + " " +
                  c.address + " " + std::to_string(c.port) + " typ host" + (c.tcp ? " tcptype passive" : ""));
    }
    line(s, "a=end-of-candidates");
  }
  return answer;
}

}  // namespace airclass::media::webrtc
