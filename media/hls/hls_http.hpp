// The HTTP-facing logic of /hls: routes a request to the latest snapshots in the HlsStore and answers it,
// including LL-HLS blocking playlist reloads and preload-hint parts. No I/O: the server's HTTP adapter calls
// handle() on its HTTP thread, and calls it again for a waiting request after each store update, and once
// with deadline_passed after about three part targets. Any thread (const, reads the store).
//
// Replies (every one carries Access-Control-Allow-Origin: *):
//   master / media playlist   200 application/vnd.apple.mpegurl, Cache-Control: no-cache
//   blocking reload (_HLS_msn[&_HLS_part]) once the playlist holds that part (or, without _HLS_part, the
//     whole segment): 200 with "public, max-age=<3 x segment duration>": the URL names a playlist at least
//     that new, so a CDN may share it among the viewers asking for the same part.
//   _HLS_msn more than two segments past the last complete one: 400. _HLS_part without _HLS_msn: 400.
//   not ready: wait; at the deadline 503 (no-cache), as RFC 8216bis 6.2.5.2 suggests for a server that cannot
//     deliver in time. An ended playlist never waits.
//   init / segment / part: 200 video/mp4 (audio/mp4 for the audio rendition), "public, max-age=31536000,
//     immutable". The part named by the preload hint waits (503 at the deadline); other unknown files 404.
//   malformed room or rendition names ([A-Za-z0-9_-]{1,64}) or numbers: 400; unknown room/rendition: 404.
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
