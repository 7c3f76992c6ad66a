// The HTTP-facing logic of /hls: routes a request to the latest snapshots in the HlsStore and answers it,
// including LL-HLS blocking playlist reloads and preload-hint parts. No I/O: the server's HTTP adapter calls
// handle() on its HTTP thread, and calls it again for a waiting request after each store update, and once
// with deadline_passed after about three part targets. Any thread (const, reads the store).
#pragma once
#include <string_view>

#include "common/http_response.hpp"
#include "media/hls/hls_settings.hpp"

namespace airclass::media::hls {

class HlsStore;

struct HlsReply {
  bool wait = false;  // not ready yet: ask again after the next store update (or at the deadline)
  common::HttpResponse response;
};

class HlsHttp {
 public:
  HlsHttp(const HlsStore& store, HlsSettings settings);

  // `path`: the full URL path ("/hls/<room>/index.m3u8"); `query`: the text after '?'.
  HlsReply handle(std::string_view path, std::string_view query, bool deadline_passed = false) const;

 private:
  const HlsStore& store_;
  HlsSettings settings_;
};

}  // namespace airclass::media::hls
