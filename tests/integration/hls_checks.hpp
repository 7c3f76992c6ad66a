// Integration-test helpers for HLS: a small M3U8 reader (master and LL-HLS media playlists), ffprobe, and the
// black-box checks a live room's HLS output must pass whatever the ingest protocol. Test thread only.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"

namespace airclass::test {

using Attrs = std::map<std::string, std::string>;

// `KEY=value,KEY="quoted, value"` -> map (quotes removed).
inline Attrs parseAttributes(const std::string& text) {
  Attrs attrs;
  size_t i = 0;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = text.substr(i, eq - i);
    std::string value;
    size_t j = eq + 1;
    if (j < text.size() && text[j] == '"') {
      const size_t close = text.find('"', j + 1);
      value = text.substr(j + 1, close == std::string::npos ? std::string::npos : close - j - 1);
      j = close == std::string::npos ? text.size() : close + 1;
    } else {
      const size_t comma = text.find(',', j);
      value = text.substr(j, comma == std::string::npos ? std::string::npos : comma - j);
      j = comma == std::string::npos ? text.size() : comma;
    }
    attrs[key] = value;
    i = j < text.size() && text[j] == ',' ? j + 1 : j;
  }
  return attrs;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

inline bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

struct Variant {
  Attrs attrs;
  std::string uri;
};

struct MasterPlaylist {
  bool valid = false;  // starts with #EXTM3U
  std::vector<Variant> variants;
  std::vector<Attrs> media;  // EXT-X-MEDIA
};

inline MasterPlaylist parseMaster(const std::string& text) {
  MasterPlaylist m;
  const auto ls = lines(text);
  m.valid = !ls.empty() && ls[0] == "#EXTM3U";
  std::optional<Attrs> pending;
  for (const auto& l : ls) {
    if (startsWith(l, "#EXT-X-STREAM-INF:")) {
      pending = parseAttributes(l.substr(18));
    } else if (startsWith(l, "#EXT-X-MEDIA:")) {
      m.media.push_back(parseAttributes(l.substr(13)));
    } else if (l[0] != '#' && pending) {
      m.variants.push_back({*pending, l});
      pending.reset();
    }
  }
  return m;
}

struct Part {
  double duration = 0;
  std::string uri;
  bool independent = false;
};

struct Segment {
  int64_t msn = 0;
  double duration = 0;
  std::string uri;
  std::vector<Part> parts;
  bool has_pdt = false;
};

struct MediaPlaylist {
  bool valid = false;
  int version = 0;
  double target_duration = 0;
  int64_t media_sequence = 0;
  std::string map_uri;
  std::optional<double> part_target;
  std::optional<Attrs> server_control;
  std::optional<Attrs> preload_hint;
  std::vector<Segment> segments;  // complete segments, oldest first
  std::vector<Part> pending_parts;  // parts of the segment being built
  bool endlist = false;
  int discontinuities = 0;

  // The media sequence number of the segment being built (one past the last complete one).
  int64_t nextMsn() const { return media_sequence + static_cast<int64_t>(segments.size()); }
};

inline MediaPlaylist parseMedia(const std::string& text) {
  MediaPlaylist p;
  const auto ls = lines(text);
  p.valid = !ls.empty() && ls[0] == "#EXTM3U";
  std::vector<Part> parts;
  double extinf = -1;  // -1: no EXTINF pending
  bool pdt = false;
  for (const auto& l : ls) {
    if (startsWith(l, "#EXT-X-VERSION:")) {
      p.version = std::stoi(l.substr(15));
    } else if (startsWith(l, "#EXT-X-TARGETDURATION:")) {
      p.target_duration = std::stod(l.substr(22));
    } else if (startsWith(l, "#EXT-X-MEDIA-SEQUENCE:")) {
      p.media_sequence = std::stoll(l.substr(22));
    } else if (startsWith(l, "#EXT-X-MAP:")) {
      p.map_uri = parseAttributes(l.substr(11))["URI"];
    } else if (startsWith(l, "#EXT-X-PART-INF:")) {
      p.part_target = std::stod(parseAttributes(l.substr(16))["PART-TARGET"]);
    } else if (startsWith(l, "#EXT-X-SERVER-CONTROL:")) {
      p.server_control = parseAttributes(l.substr(22));
    } else if (startsWith(l, "#EXT-X-PRELOAD-HINT:")) {
      p.preload_hint = parseAttributes(l.substr(20));
    } else if (startsWith(l, "#EXT-X-PART:")) {
      auto a = parseAttributes(l.substr(12));
      parts.push_back({std::stod(a["DURATION"]), a["URI"], a["INDEPENDENT"] == "YES"});
    } else if (startsWith(l, "#EXTINF:")) {
      extinf = std::stod(l.substr(8));
    } else if (startsWith(l, "#EXT-X-PROGRAM-DATE-TIME:")) {
      pdt = true;
    } else if (l == "#EXT-X-ENDLIST") {
      p.endlist = true;
    } else if (l == "#EXT-X-DISCONTINUITY") {
      ++p.discontinuities;
    } else if (l[0] != '#' && extinf >= 0) {
      Segment s;
      s.msn = p.media_sequence + static_cast<int64_t>(p.segments.size());
      s.duration = extinf;
      s.uri = l;
      s.parts = std::move(parts);
      s.has_pdt = pdt;
      p.segments.push_back(std::move(s));
      parts.clear();
      extinf = -1;
      pdt = false;
    }
  }
  p.pending_parts = std::move(parts);
  return p;
}

// Resolves a playlist URI against the URL of the playlist that holds it.
inline std::string resolveUrl(const std::string& base, const std::string& uri) {
  if (startsWith(uri, "http://") || startsWith(uri, "https://")) return uri;
  if (startsWith(uri, "/")) {
    const size_t host_end = base.find('/', base.find("//") + 2);
    return base.substr(0, host_end) + uri;
  }
  const size_t q = base.find('?');
  const std::string path = base.substr(0, q);
  return path.substr(0, path.rfind('/') + 1) + uri;
}

// JSON field readers that tolerate a missing key or another type.
inline const nlohmann::json* jsonField(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}
inline std::string jsonString(const nlohmann::json& j, const char* key) {
  const auto* f = jsonField(j, key);
  const auto* v = f != nullptr ? f->get_ptr<const std::string*>() : nullptr;
  return v != nullptr ? *v : std::string();
}
inline int64_t jsonInt(const nlohmann::json& j, const char* key) {
  const auto* f = jsonField(j, key);
  if (f == nullptr) return 0;
  if (const auto* v = f->get_ptr<const int64_t*>(); v != nullptr) return *v;
  if (const auto* u = f->get_ptr<const uint64_t*>(); u != nullptr) return static_cast<int64_t>(*u);
  return 0;
}
inline bool jsonBool(const nlohmann::json& j, const char* key) {
  const auto* f = jsonField(j, key);
  const auto* v = f != nullptr ? f->get_ptr<const bool*>() : nullptr;
  return v != nullptr && *v;
}

struct ProbedStream {
  std::string codec_type;
  std::string codec_name;
  int width = 0;
  int height = 0;
};

// ffprobe's view of a file or URL (empty on failure).
inline std::vector<ProbedStream> ffprobe(const std::string& target, int timeout_s = 30) {
  const std::string out =
      run("timeout " + std::to_string(timeout_s) + " ffprobe -v error -show_entries " +
          "stream=codec_type,codec_name,width,height -of json " + shellQuote(target) + " 2>/dev/null");
  std::vector<ProbedStream> streams;
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("streams")) return streams;
  for (const auto& s : doc["streams"]) {
    streams.push_back({jsonString(s, "codec_type"), jsonString(s, "codec_name"),
                       static_cast<int>(jsonInt(s, "width")), static_cast<int>(jsonInt(s, "height"))});
  }
  return streams;
}

inline std::string describe(const std::vector<ProbedStream>& streams) {
  std::string d;
  for (const auto& s : streams) {
    d += s.codec_type + "/" + s.codec_name + " " + std::to_string(s.width) + "x" + std::to_string(s.height) + "; ";
  }
  return d.empty() ? "(nothing)" : d;
}

// The room's entry in GET /api/v1/rooms, or null.
inline nlohmann::json roomInfo(const ServerProcess& server, const std::string& room) {
  const auto r = httpGet(server.url("/api/v1/rooms"), 3.0);
  if (r.status != 200) return nullptr;
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("rooms") || !doc["rooms"].is_array()) return nullptr;
  for (const auto& entry : doc["rooms"]) {
    if (jsonString(entry, "room") == room) return entry;
  }
  return nullptr;
}

inline bool roomLive(const ServerProcess& server, const std::string& room) {
  const auto info = roomInfo(server, room);
  return jsonBool(info, "live");
}

struct ExpectedVariant {
  std::string name;  // rendition name in URLs
  int width = 0;
  int height = 0;
};

// The ladder for a 1280x720 H.264 source: the source itself, then the 720p, 480p and 360p rungs.
inline std::vector<ExpectedVariant> ladderFor720p() {
  return {{"source", 1280, 720}, {"720p", 1280, 720}, {"480p", 854, 480}, {"360p", 640, 360}};
}

inline std::string renditionOf(const std::string& uri) {
  const size_t slash = uri.find('/');
  return slash == std::string::npos ? std::string() : uri.substr(0, slash);
}

// Waits until the media playlist at `url` holds at least `segments` complete segments.
inline MediaPlaylist waitForSegments(const std::string& url, size_t segments, Clock::duration timeout) {
  MediaPlaylist p;
  eventually([&] {
    const auto r = httpGet(url, 3.0);
    if (r.status != 200) return false;
    p = parseMedia(r.body);
    return p.segments.size() >= segments;
  }, timeout);
  return p;
}

// LL-HLS media playlist rules (RFC 8216bis, Apple's LL-HLS profile) plus our segment/part targets.
inline void checkMediaPlaylist(const MediaPlaylist& p, const std::string& what, bool video = true) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(p.valid);
  EXPECT_GE(p.version, 6) << "LL-HLS needs EXT-X-VERSION 6 or later (9 with delta updates)";
  EXPECT_FALSE(p.map_uri.empty()) << "fMP4 needs EXT-X-MAP";
  ASSERT_TRUE(p.part_target.has_value()) << "missing EXT-X-PART-INF";
  EXPECT_NEAR(*p.part_target, 0.333, 0.1);
  ASSERT_TRUE(p.server_control.has_value()) << "missing EXT-X-SERVER-CONTROL";
  auto sc = *p.server_control;
  EXPECT_EQ(sc["CAN-BLOCK-RELOAD"], "YES");
  ASSERT_TRUE(sc.count("PART-HOLD-BACK")) << "missing PART-HOLD-BACK";
  EXPECT_GE(std::stod(sc["PART-HOLD-BACK"]), 2 * *p.part_target);
  ASSERT_TRUE(p.preload_hint.has_value()) << "missing EXT-X-PRELOAD-HINT";
  auto hint = *p.preload_hint;
  EXPECT_EQ(hint["TYPE"], "PART");
  EXPECT_FALSE(hint["URI"].empty());
  EXPECT_FALSE(p.endlist);
  ASSERT_GE(p.segments.size(), 2U);

  double longest = 0;
  bool any_parts = false;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const auto& s = p.segments[i];
    SCOPED_TRACE("segment " + std::to_string(s.msn) + " " + s.uri);
    longest = std::max(longest, s.duration);
    EXPECT_TRUE(s.has_pdt || i > 0) << "the first segment needs EXT-X-PROGRAM-DATE-TIME";
    EXPECT_GE(s.duration, 0.6);
    EXPECT_LE(s.duration, 1.5);
    // Parts are only listed for recent segments; where listed, they add up to the segment.
    if (s.parts.empty()) continue;
    any_parts = true;
    double sum = 0;
    for (size_t k = 0; k < s.parts.size(); ++k) {
      const double d = s.parts[k].duration;
      sum += d;
      EXPECT_LE(d, 0.4) << "part " << k;
      if (k + 1 < s.parts.size()) {
        EXPECT_GE(d, 0.2) << "part " << k;
      } else {
        EXPECT_GT(d, 0.0) << "part " << k;  // the last may be cut short by the next keyframe
      }
    }
    if (video) {
      EXPECT_TRUE(s.parts[0].independent) << "a segment's first part starts with a keyframe";
    }
    EXPECT_NEAR(sum, s.duration, 0.05) << "parts do not add up to EXTINF";
  }
  for (const auto& part : p.pending_parts) {
    EXPECT_LE(part.duration, 0.4);
    EXPECT_GT(part.duration, 0.0);
  }
  EXPECT_TRUE(any_parts || !p.pending_parts.empty()) << "no EXT-X-PART at all";
  EXPECT_GE(p.target_duration, std::round(longest)) << "EXTINF rounded must not exceed TARGETDURATION";
  EXPECT_LE(p.target_duration, 2.0);
  EXPECT_TRUE(p.segments.front().has_pdt) << "missing EXT-X-PROGRAM-DATE-TIME";
}

// Downloads init + the newest complete segment of a media playlist into one file for ffprobe.
inline std::string fetchInitAndSegment(const ServerProcess& server, const std::string& playlist_url,
                                       const MediaPlaylist& p, const std::string& name) {
  const auto init = httpGet(resolveUrl(playlist_url, p.map_uri));
  const auto seg = httpGet(resolveUrl(playlist_url, p.segments.back().uri));
  EXPECT_EQ(init.status, 200) << name << " init " << p.map_uri;
  EXPECT_EQ(seg.status, 200) << name << " segment " << p.segments.back().uri;
  EXPECT_NE(init.body.find("ftyp"), std::string::npos) << name << ": init segment has no ftyp box";
  EXPECT_NE(init.body.find("moov"), std::string::npos) << name << ": init segment has no moov box";
  EXPECT_NE(seg.body.find("moof"), std::string::npos) << name << ": media segment has no moof box";
  EXPECT_NE(seg.body.find("mdat"), std::string::npos) << name << ": media segment has no mdat box";
  const auto path = server.scratch() / (name + "-probe.mp4");
  std::ofstream(path, std::ios::binary) << init.body << seg.body;
  return path.string();
}

// The full black-box check of a room that is being published with a 1280x720 H.264 + AAC source.
inline void checkLiveHls(const ServerProcess& server, const std::string& room, const std::string& protocol) {
  const std::string master_url = server.url("/hls/" + room + "/index.m3u8");
  const auto expected = ladderFor720p();

  // Master playlist: every rung, with RESOLUTION, CODECS, BANDWIDTH and the audio rendition.
  MasterPlaylist master;
  const bool complete = eventually([&] {
    const auto r = httpGet(master_url, 3.0);
    if (r.status != 200) return false;
    master = parseMaster(r.body);
    return master.variants.size() >= expected.size();
  }, 25s, 300ms);
  ASSERT_TRUE(complete) << "master playlist incomplete: " << master.variants.size() << " variants\n" << server.log();
  ASSERT_TRUE(master.valid);

  std::string audio_group;
  std::string audio_uri;
  for (const auto& m : master.media) {
    auto a = m;
    if (a["TYPE"] == "AUDIO") {
      audio_group = a["GROUP-ID"];
      audio_uri = a["URI"];
    }
  }
  EXPECT_FALSE(audio_group.empty()) << "no EXT-X-MEDIA TYPE=AUDIO";
  EXPECT_EQ(audio_uri, "audio/index.m3u8");

  std::map<std::string, Variant> by_name;
  for (const auto& v : master.variants) by_name[renditionOf(v.uri)] = v;
  for (const auto& e : expected) {
    SCOPED_TRACE("variant " + e.name);
    ASSERT_TRUE(by_name.count(e.name)) << "missing variant " << e.name;
    auto a = by_name[e.name].attrs;
    EXPECT_EQ(by_name[e.name].uri, e.name + "/index.m3u8");
    EXPECT_EQ(a["RESOLUTION"], std::to_string(e.width) + "x" + std::to_string(e.height));
    EXPECT_NE(a["CODECS"].find("avc1."), std::string::npos) << a["CODECS"];
    EXPECT_NE(a["CODECS"].find("mp4a.40.2"), std::string::npos) << a["CODECS"];
    EXPECT_GT(std::atol(a["BANDWIDTH"].c_str()), 0);
    EXPECT_EQ(a["AUDIO"], audio_group);
  }
  EXPECT_EQ(by_name.size(), expected.size()) << "unexpected extra variants";

  // The REST view of the room.
  const auto info = roomInfo(server, room);
  ASSERT_TRUE(info.is_object()) << "room missing from /api/v1/rooms";
  EXPECT_TRUE(jsonBool(info, "live"));
  EXPECT_EQ(jsonString(info, "protocol"), protocol);
  EXPECT_EQ(jsonString(info, "hls"), "/hls/" + room + "/index.m3u8");
  ASSERT_TRUE(info.contains("renditions") && info["renditions"].is_array());
  EXPECT_EQ(info["renditions"].size(), expected.size());

  // Blocking playlist reload: a request for the next segment returns once the playlist holds it.
  {
    const std::string url = resolveUrl(master_url, "source/index.m3u8");
    const auto now = waitForSegments(url, 2, 15s);
    ASSERT_TRUE(now.valid);
    const int64_t next = now.nextMsn();
    const auto r = httpGet(url + "?_HLS_msn=" + std::to_string(next), 10.0);
    ASSERT_EQ(r.status, 200);
    const auto after = parseMedia(r.body);
    EXPECT_GT(after.nextMsn(), next) << "returned before segment " << next << " was complete";
    EXPECT_LT(r.seconds, 3 * now.target_duration + 1.0) << "blocked too long";

    // The next part of the segment being built.
    const auto cur = parseMedia(httpGet(url).body);
    const int64_t msn = cur.nextMsn();
    const size_t part = cur.pending_parts.size();
    const auto rp = httpGet(url + "?_HLS_msn=" + std::to_string(msn) + "&_HLS_part=" + std::to_string(part), 10.0);
    ASSERT_EQ(rp.status, 200);
    const auto withPart = parseMedia(rp.body);
    EXPECT_TRUE(withPart.nextMsn() > msn || withPart.pending_parts.size() > part)
        << "returned before part " << msn << "." << part << " existed";
    EXPECT_LT(rp.seconds, 3.0);

    // Far in the future: the spec says 400 rather than holding the request.
    const auto far = httpGet(url + "?_HLS_msn=" + std::to_string(next + 100), 10.0);
    EXPECT_EQ(far.status, 400);
  }
  // Media playlists and their segments, per rendition.
  for (const auto& e : expected) {
    const std::string url = resolveUrl(master_url, e.name + "/index.m3u8");
    const auto p = waitForSegments(url, 3, 15s);
    checkMediaPlaylist(p, e.name);
    if (p.segments.empty() || p.map_uri.empty()) continue;
    const auto streams = ffprobe(fetchInitAndSegment(server, url, p, e.name));
    ASSERT_EQ(streams.size(), 1U) << e.name << ": " << describe(streams);
    EXPECT_EQ(streams[0].codec_name, "h264") << e.name;
    EXPECT_EQ(streams[0].width, e.width) << e.name;
    EXPECT_EQ(streams[0].height, e.height) << e.name;
    // A part is fetchable too.
    const std::string part_uri = !p.pending_parts.empty()        ? p.pending_parts.back().uri
                                 : !p.segments.back().parts.empty() ? p.segments.back().parts.back().uri
                                                                    : std::string();
    if (part_uri.empty()) continue;
    const auto part = httpGet(resolveUrl(url, part_uri));
    EXPECT_EQ(part.status, 200) << e.name << " part " << part_uri;
    EXPECT_NE(part.body.find("moof"), std::string::npos) << e.name << " part has no moof";
  }
  {
    const std::string url = resolveUrl(master_url, "audio/index.m3u8");
    const auto p = waitForSegments(url, 3, 10s);
    checkMediaPlaylist(p, "audio", false);
    if (!p.segments.empty() && !p.map_uri.empty()) {
      const auto streams = ffprobe(fetchInitAndSegment(server, url, p, "audio"));
      ASSERT_EQ(streams.size(), 1U) << "audio: " << describe(streams);
      EXPECT_EQ(streams[0].codec_name, "aac");
    }
  }

  // ffprobe reads the master playlist like a plain HLS client and sees every rung and the audio.
  {
    const auto streams = ffprobe(master_url, 40);
    bool aac = false;
    std::map<int, int> heights;
    for (const auto& s : streams) {
      if (s.codec_name == "aac") aac = true;
      if (s.codec_name == "h264") heights[s.height] = s.width;
    }
    EXPECT_TRUE(aac) << describe(streams);
    EXPECT_EQ(heights[720], 1280) << describe(streams);
    EXPECT_EQ(heights[480], 854) << describe(streams);
    EXPECT_EQ(heights[360], 640) << describe(streams);
  }

}

}  // namespace airclass::test
