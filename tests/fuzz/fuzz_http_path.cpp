// The server's handling of untrusted URL bytes: static-file path checks (traversal), query parameters and
// MIME lookup. Must never crash, and never serve from outside the web root.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/http_request.hpp"
#include "server/mime_types.hpp"
#include "server/static_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const airclass::server::StaticFiles files("/nonexistent-airclass-fuzz-root");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t q = input.find('?');
  airclass::server::HttpRequest request;
  request.path = input.substr(0, q);
  request.query = q == std::string::npos ? "" : input.substr(q + 1);
  (void)request.queryParam("_HLS_msn");
  (void)request.queryParam(request.query.substr(0, 8));
  (void)airclass::server::mimeType(request.path);
  const auto reply = files.serve(request.path);
  if (reply.status == 200) __builtin_trap();  // nothing exists under that root
  return 0;
}
