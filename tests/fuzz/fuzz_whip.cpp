// libFuzzer target: what the WHIP route reads from a client before any media work: the /whip/ path and the
// SDP offer check (codec choice on top of the SDP parser). Input: "<path>\n<sdp>" (the first newline splits).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "media/ingest/whip_offer.hpp"
#include "server/whip_routes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view path = input.substr(0, nl);
  const std::string_view sdp = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  if (auto p = airclass::server::parseWhipPath(path)) {
    if (p->room.empty() || p->room.size() > 64 || p->resource.size() > 64) __builtin_trap();
    if (p->room.find('/') != std::string::npos) __builtin_trap();
  }
  try {
    const auto offer = airclass::media::ingest::WhipOffer::check(sdp);
    if (offer.video_payload < 0 || offer.video_payload > 127) __builtin_trap();
  } catch (const airclass::common::Error&) {
    // refused: fine
  }
  return 0;
}
