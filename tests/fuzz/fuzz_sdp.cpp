// libFuzzer target: the SDP offer parser and, for what parses, the answer writer (which may throw
// common::Error for an offer it cannot serve, never crash).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "media/webrtc/sdp_answer.hpp"
#include "media/webrtc/session_description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace airclass::media::webrtc;
  auto offer = SessionDescription::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!offer.ok()) return 0;
  SdpAnswerSettings settings;
  settings.ice_ufrag = "fuzz";
  settings.ice_pwd = "0123456789012345678901";
  settings.fingerprint_sha256 = "AA:BB";
  settings.candidates = {{"1", 1, "127.0.0.1", 9, false}};
  settings.video_ssrc = 1;
  settings.audio_ssrc = 2;
  for (auto role : {SdpAnswerSettings::Role::Send, SdpAnswerSettings::Role::Receive}) {
    settings.role = role;
    try {
      const auto answer = SdpAnswer::create(*offer, settings);
      if (!SessionDescription::parse(answer.sdp).ok()) __builtin_trap();
    } catch (const airclass::common::Error&) {
    }
  }
  return 0;
}
