// A WebRTC session description (RFC 8866 syntax, RFC 8829 usage) parsed from a browser's offer: WHEP viewers
// send recvonly offers, WHIP publishers sendonly ones. Keeps what an ICE-lite, BUNDLE-only server needs per
// media section. Bounded (size, line length, counts) and I/O-free; any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "media/codec/parse_result.hpp"

namespace airclass::media::webrtc {

enum class SdpDirection { SendRecv, SendOnly, RecvOnly, Inactive };

std::string_view toString(SdpDirection direction);

struct SdpCodec {
  int payload_type = 0;
  std::string name;  // as written in a=rtpmap (e.g. "H264", "opus", "rtx"); empty without one
  int clock_rate = 0;
  int channels = 0;  // 0 when not given
  std::string fmtp;  // the a=fmtp parameters, verbatim
  std::vector<std::string> feedback;  // a=rtcp-fb values for this payload type (and "*")

  // The value of `key` in fmtp ("packetization-mode" -> "1"), or empty.
  std::string fmtpParameter(std::string_view key) const;
};

struct SdpExtmap {
  int id = 0;
  std::string uri;
};

struct SdpSsrc {
  uint32_t ssrc = 0;
  std::string cname;
  std::string msid;
};

struct SdpMedia {
  std::string kind;      // "video", "audio", "application", ...
  uint16_t port = 0;
  std::string protocol;  // "UDP/TLS/RTP/SAVPF"
  std::vector<std::string> formats;
  std::string mid;
  SdpDirection direction = SdpDirection::SendRecv;
  // ICE and DTLS parameters, inherited from the session level when the section has none.
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_algorithm;  // lower case, "sha-256"
  std::string fingerprint;            // "AB:CD:..."
  std::string setup;                  // actpass, active, passive
  bool rtcp_mux = false;
  bool rtcp_rsize = false;
  std::vector<SdpCodec> codecs;  // in the m= line's order of preference
  std::vector<SdpExtmap> extmaps;
  std::vector<SdpSsrc> ssrcs;
  std::vector<std::vector<uint32_t>> fid_groups;  // a=ssrc-group:FID
  std::string msid;                               // a=msid, verbatim

  const SdpCodec* codec(int payload_type) const;
  int extmapId(std::string_view uri) const;  // 0 when absent
};

class SessionDescription {
 public:
  static constexpr size_t kMaxSize = 64 * 1024;
  static constexpr size_t kMaxLine = 4096;
  static constexpr size_t kMaxMedia = 16;
  static constexpr size_t kMaxCodecs = 128;   // per media section
  static constexpr size_t kMaxExtmaps = 32;
  static constexpr size_t kMaxSsrcs = 64;
  static constexpr size_t kMaxValue = 256;    // ufrag, pwd, mid, fingerprint, ...

  static codec::ParseResult<SessionDescription> parse(std::string_view text);

  std::vector<std::string> bundle;  // a=group:BUNDLE mids
  bool ice_lite = false;
  std::vector<SdpMedia> media;
};

}  // namespace airclass::media::webrtc
