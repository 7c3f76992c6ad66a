// The SDP answer of our ICE-lite server to a browser's offer (WHEP viewer or WHIP publisher): chooses one H.264
// (packetization-mode=1, constrained-baseline-compatible profile) and one Opus payload type, the feedback and
// header extensions to keep, RTX when offered, and writes a=ice-lite, our ICE credentials, the DTLS
// fingerprint (setup:passive), host UDP and TCP-passive (RFC 6544) candidates and the BUNDLE group.
// Pure; any thread. Throws common::Error at this request boundary when the offer cannot be served.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "media/webrtc/session_description.hpp"

namespace airclass::media::webrtc {

struct IceCandidate {
  std::string foundation = "1";
  uint32_t priority = 0;
  std::string address;  // a literal IP address
  uint16_t port = 0;
  bool tcp = false;     // TCP passive (RFC 6544); UDP otherwise
};

struct SdpAnswerSettings {
  enum class Role { Send, Receive };  // WHEP: we send to the viewer; WHIP: we receive from the publisher
  Role role = Role::Send;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_sha256;  // "AB:CD:..." of our DTLS certificate
  std::vector<IceCandidate> candidates;
  uint64_t session_id = 1;
  // Our outgoing streams (role Send): one SSRC per rendition track, shared by every viewer of it.
  uint32_t video_ssrc = 0;
  uint32_t video_rtx_ssrc = 0;  // 0: no RTX stream even if negotiated
  uint32_t audio_ssrc = 0;
  std::string cname = "airclass";
  std::string stream_id = "airclass";
};

// What was agreed for one m= section of the offer.
struct NegotiatedMedia {
  std::string mid;
  std::string kind;
  bool rejected = true;  // port 0 in the answer
  SdpDirection direction = SdpDirection::Inactive;  // ours
  int payload_type = -1;
  int rtx_payload_type = -1;
  std::string codec;  // "H264" or "opus"
  int clock_rate = 0;
  int channels = 0;
  std::string fmtp;
  std::vector<std::string> feedback;
  int mid_extension = 0;           // header extension ids, 0 when not negotiated
  int transport_cc_extension = 0;
  std::vector<uint32_t> remote_ssrcs;  // the offerer's SSRCs (WHIP)
};

class SdpAnswer {
 public:
  static constexpr const char* kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
  static constexpr const char* kTransportCcUri =
      "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

  // Errors: BadRequest for an offer lacking ICE/DTLS parameters, mids, rtcp-mux or BUNDLE; Unsupported when no
  // m= section has a usable codec ("no usable codec: need H.264 packetization-mode=1 ... or Opus").
  static SdpAnswer create(const SessionDescription& offer, const SdpAnswerSettings& settings);

  std::string sdp;  // CRLF line endings
  std::vector<NegotiatedMedia> media;  // one per offered m= section, in order
  std::string remote_ice_ufrag;
  std::string remote_ice_pwd;
  std::string remote_fingerprint;  // sha-256, as offered
};

}  // namespace airclass::media::webrtc
