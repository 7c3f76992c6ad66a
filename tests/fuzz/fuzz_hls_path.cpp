// libFuzzer target: /hls URL path and query parsing, and HlsHttp routing over a store with one live rendition.
// Input: "<path>?<query>" (the first '?' splits); anything else is fair game.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "media/hls/hls_http.hpp"
#include "media/hls/hls_request.hpp"
#include "media/hls/hls_store.hpp"

namespace {

airclass::media::hls::HlsStore& store() {
  static airclass::media::hls::HlsStore* s = [] {
    auto* st = new airclass::media::hls::HlsStore;
    auto r = std::make_shared<airclass::media::hls::RenditionSnapshot>();
    r->name = "720p";
    r->inits[0] = std::make_shared<const std::string>("init");
    airclass::media::hls::SegmentSnapshot seg;
    seg.msn = 5;
    seg.duration_s = 1;
    seg.data = std::make_shared<const std::string>("seg");
    seg.parts.push_back({0.5, true, std::make_shared<const std::string>("part")});
    r->segments.push_back(seg);
    r->playlist = std::make_shared<const std::string>("#EXTM3U\n");
    r->next_msn = 6;
    st->publishRendition("room", r);
    st->publishMaster("room", std::make_shared<const std::string>("#EXTM3U\n"));
    return st;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t q = input.find('?');
  const std::string_view path = input.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : input.substr(q + 1);
  auto parsed = airclass::media::hls::parseHlsRequest(path, query);
  if (parsed.status == 200 && !airclass::media::hls::isValidHlsName(parsed.request.room)) __builtin_trap();
  static const airclass::media::hls::HlsHttp http(store(), airclass::media::hls::HlsSettings{});
  for (bool deadline : {false, true}) {
    auto reply = http.handle(path, query, deadline);
    if (reply.wait && deadline) __builtin_trap();
    if (!reply.wait && !reply.response.body) __builtin_trap();
  }
  return 0;
}
