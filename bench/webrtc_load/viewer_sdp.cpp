#include "bench/webrtc_load/viewer_sdp.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

#include "media/webrtc/session_description.hpp"

namespace airclass::bench {
namespace {

using media::webrtc::SdpMedia;
using media::webrtc::SessionDescription;

void transport(std::string& s, const LocalDescription& local, std::string_view mid) {
  s += "c=IN IP4 " + local.address + "\r\n";
  s += "a=mid:" + std::string(mid) + "\r\n";
  s += "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n";
  s += "a=ice-ufrag:" + local.ice_ufrag + "\r\na=ice-pwd:" + local.ice_pwd + "\r\n";
  s += "a=fingerprint:sha-256 " + local.fingerprint + "\r\na=setup:active\r\n";
  s += "a=candidate:1 1 udp 2130706431 " + local.address + " " + std::to_string(local.port) + " typ host\r\n";
  s += "a=end-of-candidates\r\n";
}

std::string sessionHeader() { return "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"; }

}  // namespace

std::string makeRecvOnlyOffer(const LocalDescription& local) {
  std::string s = sessionHeader();
  s += local.audio ? "a=group:BUNDLE 0 1\r\n" : "a=group:BUNDLE 0\r\n";
  s += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
  transport(s, local, "0");
  s += "a=rtpmap:96 H264/90000\r\n";
  s += "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
  s += "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n";
  if (local.audio) {
    s += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    transport(s, local, "1");
    s += "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
  }
  return s;
}

std::string makeRecvOnlyAnswer(std::string_view offer, const LocalDescription& local) {
  const auto parsed = SessionDescription::parse(offer);
  if (!parsed) throw std::runtime_error("offer: " + parsed.error());
  std::string body;
  std::string bundle;
  bool video = false;
  for (const SdpMedia& m : parsed->media) {
    const media::webrtc::SdpCodec* chosen = nullptr;
    for (const auto& c : m.codecs) {
      if ((m.kind == "video" && c.name == "H264") || (m.kind == "audio" && local.audio && c.name == "opus")) {
        chosen = &c;
        break;
      }
    }
    if (!chosen) {
      body += "m=" + m.kind + " 0 " + m.protocol + " " + (m.formats.empty() ? "0" : m.formats.front()) + "\r\n";
      body += "c=IN IP4 0.0.0.0\r\na=mid:" + m.mid + "\r\na=inactive\r\n";
      continue;
    }
    video = video || m.kind == "video";
    bundle += " " + m.mid;
    const std::string pt = std::to_string(chosen->payload_type);
    body += "m=" + m.kind + " 9 " + m.protocol + " " + pt + "\r\n";
    transport(body, local, m.mid);
    body += "a=rtpmap:" + pt + " " + chosen->name + "/" + std::to_string(chosen->clock_rate);
    body += chosen->channels > 0 ? "/" + std::to_string(chosen->channels) + "\r\n" : "\r\n";
    if (!chosen->fmtp.empty()) body += "a=fmtp:" + pt + " " + chosen->fmtp + "\r\n";
    if (m.kind == "video") body += "a=rtcp-fb:" + pt + " nack\r\na=rtcp-fb:" + pt + " nack pli\r\n";
  }
  if (!video) throw std::runtime_error("offer: no H.264 video");
  return sessionHeader() + "a=group:BUNDLE" + bundle + "\r\n" + body;
}

RemoteDescription parseRemoteDescription(std::string_view sdp) {
  const auto parsed = SessionDescription::parse(sdp);
  if (!parsed) throw std::runtime_error("remote sdp: " + parsed.error());
  RemoteDescription remote;
  remote.ice_lite = parsed->ice_lite;
  for (const SdpMedia& m : parsed->media) {
    if (m.port == 0 || m.ice_ufrag.empty()) continue;
    remote.ice_ufrag = m.ice_ufrag;
    remote.ice_pwd = m.ice_pwd;
    remote.fingerprint = m.fingerprint;
    break;
  }
  if (remote.ice_ufrag.empty() || remote.ice_pwd.empty() || remote.fingerprint.empty()) {
    throw std::runtime_error("remote sdp: no ICE credentials or fingerprint");
  }
  // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  // A loopback candidate is preferred: the benchmark's traffic stays on loopback.
  bool found = false;
  bool found_loopback = false;
  size_t pos = 0;
  while ((pos = sdp.find("a=candidate:", pos)) != std::string_view::npos) {
    const size_t eol = sdp.find_first_of("\r\n", pos);
    const std::string line(sdp.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    pos = eol;
    char foundation[64], proto[8], address[64], type[16];
    unsigned component = 0, port = 0;
    unsigned long priority = 0;
    if (std::sscanf(line.c_str(), "a=candidate:%63s %u %7s %lu %63s %u typ %15s", foundation, &component, proto,
                    &priority, address, &port, type) != 7) {
      continue;
    }
    const std::string p(proto);
    if ((p != "udp" && p != "UDP") || port == 0 || port > 65535) continue;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) continue;
    const bool loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
    if (!found || (loopback && !found_loopback)) remote.candidate = addr;
    found_loopback = found_loopback || loopback;
    found = true;
  }
  if (!found) throw std::runtime_error("remote sdp: no IPv4 UDP candidate");
  return remote;
}

}  // namespace airclass::bench
