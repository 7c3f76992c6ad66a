#include "media/hls/hls_request.hpp"

#include <array>

namespace airclass::media::hls {
namespace {

constexpr std::string_view kPrefix = "/hls/";
constexpr size_t kMaxPathLength = 512;
constexpr size_t kMaxQueryLength = 512;

// A decimal number without sign or leading zeros (but "0"), at most kMaxHlsNumber.
std::optional<uint64_t> parseNumber(std::string_view text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > kMaxHlsNumber) return std::nullopt;
  return value;
}

bool consumePrefix(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

bool consumeSuffix(std::string_view& text, std::string_view suffix) {
  if (text.size() < suffix.size() || text.substr(text.size() - suffix.size()) != suffix) return false;
  text.remove_suffix(suffix.size());
  return true;
}

HlsRequestParse fail(int status, std::string error) {
  HlsRequestParse r;
  r.status = status;
  r.error = std::move(error);
  return r;
}

// Fills kind and numbers from a rendition file name; false when it is no file we serve.
bool parseFileName(std::string_view file, HlsRequest& req) {
  if (file == "index.m3u8") {
    req.kind = HlsRequest::Kind::MediaPlaylist;
    return true;
  }
  std::string_view rest = file;
  if (consumePrefix(rest, "init-") && consumeSuffix(rest, ".mp4")) {
    auto id = parseNumber(rest);
    if (!id || *id > 1'000'000'000) return false;
    req.kind = HlsRequest::Kind::Init;
    req.init_id = static_cast<int>(*id);
    return true;
  }
  rest = file;
  if (consumePrefix(rest, "seg-") && consumeSuffix(rest, ".m4s")) {
    auto msn = parseNumber(rest);
    if (!msn) return false;
    req.kind = HlsRequest::Kind::Segment;
    req.msn = *msn;
    return true;
  }
  rest = file;
  if (consumePrefix(rest, "part-") && consumeSuffix(rest, ".m4s")) {
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    auto msn = parseNumber(rest.substr(0, dot));
    auto part = parseNumber(rest.substr(dot + 1));
    if (!msn || !part || *part > 1'000'000) return false;
    req.kind = HlsRequest::Kind::Part;
    req.msn = *msn;
    req.part = static_cast<int>(*part);
    return true;
  }
  return false;
}

}  // namespace

bool isValidHlsName(std::string_view name) {
  if (name.empty() || name.size() > kMaxHlsNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

HlsRequestParse parseHlsRequest(std::string_view path, std::string_view query) {
  if (path.size() > kMaxPathLength) return fail(404, "path too long");
  if (!consumePrefix(path, kPrefix)) return fail(404, "not an /hls path");

  // Split into at most three components: room, [rendition,] file.
  std::array<std::string_view, 3> parts;
  size_t count = 0;
  while (true) {
    const size_t slash = path.find('/');
    if (count == parts.size()) return fail(404, "too many path components");
    parts[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (count < 2) return fail(404, "no file");

  HlsRequestParse result;
  HlsRequest& req = result.request;
  if (!isValidHlsName(parts[0])) return fail(400, "bad room id");
  req.room = std::string(parts[0]);
  if (count == 2) {
    if (parts[1] != "index.m3u8") return fail(404, "unknown file");
    req.kind = HlsRequest::Kind::Master;
  } else {
    if (!isValidHlsName(parts[1])) return fail(400, "bad rendition name");
    req.rendition = std::string(parts[1]);
    if (!parseFileName(parts[2], req)) return fail(404, "unknown file");
  }

  // Query: only the media playlist's blocking-reload directives matter; other keys are ignored.
  if (query.size() > kMaxQueryLength) return fail(400, "query too long");
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "_HLS_msn") {
      auto n = parseNumber(value);
      if (!n) return fail(400, "bad _HLS_msn");
      req.block_msn = *n;
    } else if (key == "_HLS_part") {
      auto n = parseNumber(value);
      if (!n || *n > 1'000'000) return fail(400, "bad _HLS_part");
      req.block_part = static_cast<int>(*n);
    }
  }
  if (req.kind != HlsRequest::Kind::MediaPlaylist) {
    req.block_msn.reset();
    req.block_part.reset();
  } else if (req.block_part && !req.block_msn) {
    return fail(400, "_HLS_part without _HLS_msn");
  }
  return result;
}

}  // namespace airclass::media::hls
