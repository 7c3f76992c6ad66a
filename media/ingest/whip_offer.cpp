#include "media/ingest/whip_offer.hpp"

#include <strings.h>

#include "common/error.hpp"
#include "media/webrtc/session_description.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;
using webrtc::SdpCodec;
using webrtc::SdpDirection;
using webrtc::SdpMedia;

bool named(const SdpCodec& codec, const char* name) { return strcasecmp(codec.name.c_str(), name) == 0; }

// profile-level-id "42e01f": profile_idc 0x42 (baseline), 0x4d (main) or 0x64 (high) are 8-bit 4:2:0.
// Without the parameter RFC 6184 means baseline.
bool usableH264(const SdpCodec& codec) {
  if (!named(codec, "H264") || codec.clock_rate != 90000) return false;
  if (codec.fmtpParameter("packetization-mode") != "1") return false;
  const std::string profile = codec.fmtpParameter("profile-level-id");
  if (profile.empty()) return true;
  if (profile.size() != 6) return false;
  const std::string idc = profile.substr(0, 2);
  return strcasecmp(idc.c_str(), "42") == 0 || strcasecmp(idc.c_str(), "4d") == 0 ||
         strcasecmp(idc.c_str(), "64") == 0;
}

bool sends(const SdpMedia& m) {
  return m.port != 0 && (m.direction == SdpDirection::SendOnly || m.direction == SdpDirection::SendRecv);
}

}  // namespace

std::string_view toString(WhipOffer::Video video) { return video == WhipOffer::Video::H264 ? "H264" : "VP8"; }

WhipOffer WhipOffer::check(std::string_view sdp) {
  auto parsed = webrtc::SessionDescription::parse(sdp);
  if (!parsed) throw Error(ErrorCode::BadRequest, "whip offer: " + parsed.error());
  const SdpMedia* video = nullptr;
  const SdpMedia* audio = nullptr;
  for (const SdpMedia& m : parsed->media) {
    if (!sends(m) || (m.kind != "video" && m.kind != "audio")) continue;
    const SdpMedia*& slot = m.kind == "video" ? video : audio;
    if (slot) throw Error(ErrorCode::BadRequest, "whip offer: more than one " + m.kind + " section to publish");
    slot = &m;
  }
  if (!video) throw Error(ErrorCode::BadRequest, "whip offer: no video section that sends (sendonly or sendrecv)");
  for (const SdpMedia* m : {video, audio}) {
    if (!m) continue;
    if (m->ice_ufrag.empty() || m->ice_pwd.empty() || m->fingerprint.empty()) {
      throw Error(ErrorCode::BadRequest,
                  "whip offer: " + m->kind + " section without ICE credentials or DTLS fingerprint");
    }
  }

  WhipOffer offer;
  for (const SdpMedia& m : parsed->media) offer.sections.push_back({m.mid, m.ice_ufrag, m.ice_pwd});
  offer.video_mid = video->mid;
  for (const SdpCodec& c : video->codecs) {
    if (usableH264(c)) {
      offer.video = Video::H264;
      offer.video_payload = c.payload_type;
      break;
    }
  }
  if (offer.video_payload < 0) {
    for (const SdpCodec& c : video->codecs) {
      if (named(c, "VP8") && c.clock_rate == 90000) {
        offer.video = Video::VP8;
        offer.video_payload = c.payload_type;
        break;
      }
    }
  }
  if (offer.video_payload < 0) {
    throw Error(ErrorCode::Unsupported, "whip offer: video must be H.264 (packetization-mode=1) or VP8");
  }
  if (audio) {
    offer.audio_mid = audio->mid;
    for (const SdpCodec& c : audio->codecs) {
      if (named(c, "opus") && c.clock_rate == 48000) {
        offer.audio_payload = c.payload_type;
        break;
      }
    }
    if (offer.audio_payload < 0) throw Error(ErrorCode::Unsupported, "whip offer: audio must be Opus");
  }
  return offer;
}

}  // namespace airclass::media::ingest
