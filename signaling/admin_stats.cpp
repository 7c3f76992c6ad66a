#include "signaling/admin_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "common/error.hpp"
#include "signaling/signaling_store.hpp"

namespace airclass::signaling {
namespace {

constexpr const char* kKeys[] = {"room", "title", "teacher", "live", "started_ms", "session_id", "counts", "players",
                                 "viewers", "peak", "peak_ms", "ingest", "renditions", "qna_open"};
constexpr int64_t kSecondMs = 1000;
constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kMaxRangeMs = 7LL * 86'400'000;
constexpr int64_t kMemoryRangeMs = 5LL * kMinuteMs;
constexpr int64_t kBitrateRefreshMs = 10'000;

void appendString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string str(std::string_view s) {
  std::string out;
  appendString(out, s);
  return out;
}

std::string num(int64_t v) { return std::to_string(v); }
std::string num(double v) { return std::to_string(std::llround(v)); }
std::string tenths(double v) {  // one decimal: stable between ticks
  const int64_t t = std::llround(v * 10);
  return std::to_string(t / 10) + "." + std::to_string(std::abs(t % 10));
}

std::string countsJson(const protocol::Counts& c) {
  return "{\"teacher\":" + num(int64_t{c.teachers}) + ",\"student\":" + num(int64_t{c.students}) +
         ",\"admin\":" + num(int64_t{c.admins}) + ",\"total\":" + num(int64_t{c.total()}) + "}";
}

const std::vector<std::string_view> kNoStudents;
const std::vector<std::string> kNoPlayers;

}  // namespace

AdminStats::AdminStats(SignalingStore& store) : store_(store) {}

void AdminStats::setMediaFeed(MediaFeed feed) { feed_ = std::move(feed); }

std::string AdminStats::encodeIngest(RoomState& state, const MediaFeed::Room& m, int64_t now) const {
  // Hysteresis: the bitrate moves in every sample; events refresh it on a 10% move or every 10 s.
  const double kbps = m.bitrate_kbps;
  const bool refresh = state.reported_kbps < 0 || now - state.reported_kbps_ms >= kBitrateRefreshMs ||
                       std::fabs(kbps - state.reported_kbps) >= 0.1 * std::max(state.reported_kbps, 1.0);
  if (refresh) {
    state.reported_kbps = kbps;
    state.reported_kbps_ms = now;
  }
  return "{\"protocol\":" + str(m.protocol) + ",\"bitrate_kbps\":" + num(state.reported_kbps) +
         ",\"fps\":" + num(m.fps) + ",\"dropped_frames\":" + num(static_cast<int64_t>(m.dropped_frames)) + "}";
}

FramePtr AdminStats::tick(int64_t now, const std::vector<MemberRoom>& members) {
  time_ms_ = now;
  // Every room either side knows, by name.
  struct Entry {
    const MemberRoom* member = nullptr;
    const MediaFeed::Room* media = nullptr;
    int viewers = 0;
  };
  std::map<std::string_view, Entry> entries;
  for (const MemberRoom& m : members) entries[m.room].member = &m;
  for (const MediaFeed::Room& f : feed_.rooms) {
    if (f.broadcast || !f.webrtc.empty() || !f.hls.empty()) entries[f.room].media = &f;
  }

  std::vector<Audience::RoomInput> inputs;
  inputs.reserve(entries.size());
  for (auto& [name, e] : entries) {
    e.viewers = Audience::countDistinct(e.member ? e.member->students : kNoStudents,
                                        e.media ? e.media->webrtc : kNoPlayers, e.media ? e.media->hls : kNoPlayers,
                                        e.member ? e.member->staff : kNoStudents);
    inputs.push_back(Audience::RoomInput{std::string(name), e.member ? e.member->session_id : 0, e.viewers});
  }
  audience_.record(now, inputs);
  if (auto minutes = audience_.takeMinutes(); !minutes.empty()) store_.insertViewerSamples(std::move(minutes));

  // Encode each room's fields; the delta carries the rooms and fields that differ from the last tick.
  std::string changed;
  std::map<std::string, RoomState, std::less<>> next;
  numbers_.clear();
  numbers_.reserve(entries.size());
  totals_ = Totals{};
  for (auto& [name, e] : entries) {
    auto old = rooms_.find(name);
    RoomState state = old == rooms_.end() ? RoomState{} : std::move(old->second);
    std::array<std::string, kFieldCount> before = old == rooms_.end() ? std::array<std::string, kFieldCount>{}
                                                                      : state.fields;
    const MediaFeed::Room* m = e.media;
    const protocol::Counts counts = e.member ? e.member->counts : protocol::Counts{};
    const int webrtc = m ? static_cast<int>(m->webrtc.size()) : 0;
    const int hls = m ? static_cast<int>(m->hls.size()) : 0;
    const bool live = m ? m->live : (e.member && e.member->live);
    const Audience::Peak peak = audience_.sessionPeak(name);
    auto& f = state.fields;
    f[kRoom] = str(name);
    f[kTitle] = f[kRoom];
    f[kTeacher] = str(m ? m->teacher : "");
    f[kLive] = live ? "true" : "false";
    f[kStartedMs] = num(m ? m->started_ms : int64_t{0});
    f[kSessionId] = num(static_cast<int64_t>(e.member ? e.member->session_id : 0));
    f[kCounts] = countsJson(counts);
    f[kPlayers] = "{\"webrtc\":" + num(int64_t{webrtc}) + ",\"hls\":" + num(int64_t{hls}) + "}";
    f[kViewers] = num(int64_t{e.viewers});
    f[kPeak] = num(int64_t{peak.viewers});
    f[kPeakMs] = num(peak.at_ms);
    f[kIngest] = m && m->broadcast ? encodeIngest(state, *m, now) : "";
    std::string renditions = "[";
    if (m) {
      for (const auto& r : m->renditions) {
        if (renditions.size() > 1) renditions += ',';
        renditions += "{\"name\":" + str(r.name) + ",\"width\":" + num(int64_t{r.width}) +
                      ",\"height\":" + num(int64_t{r.height}) + ",\"fps\":" + num(r.fps) +
                      ",\"realtime\":" + tenths(r.realtime) +
                      ",\"healthy\":" + (r.healthy ? "true" : "false") + "}";
      }
    }
    f[kRenditions] = renditions + "]";
    f[kQnaOpen] = !e.member || e.member->qna_open ? "true" : "false";

    std::string patch;
    for (int i = 0; i < kFieldCount; ++i) {
      if (i != kRoom && f[static_cast<size_t>(i)] == before[static_cast<size_t>(i)]) continue;
      if (f[static_cast<size_t>(i)].empty()) continue;
      patch += patch.empty() ? "{" : ",";
      patch += '"';
      patch += kKeys[i];
      patch += "\":";
      patch += f[static_cast<size_t>(i)];
    }
    if (patch.find(',') != std::string::npos) {  // more than the room name
      if (!changed.empty()) changed += ',';
      changed += patch + "}";
    }

    numbers_.push_back(RoomNumbers{std::string(name), counts, webrtc, hls, e.viewers});
    totals_.viewers += e.viewers;
    totals_.webrtc += webrtc;
    totals_.hls += hls;
    totals_.members += counts.total();
    totals_.rooms_live += live ? 1 : 0;
    totals_.counts.teachers += counts.teachers;
    totals_.counts.students += counts.students;
    totals_.counts.admins += counts.admins;
    if (old != rooms_.end()) rooms_.erase(old);
    next.emplace(std::string(name), std::move(state));
  }
  std::string removed;
  for (const auto& [name, state] : rooms_) {
    if (!removed.empty()) removed += ',';
    appendString(removed, name);
  }
  rooms_.swap(next);
  return Frame::make("{\"v\":1,\"type\":\"stats\",\"full\":false,\"time_ms\":" + num(now) + ",\"rooms\":[" + changed +
                     "],\"removed\":[" + removed + "],\"totals\":" + totalsJson() + "}");
}

std::string AdminStats::totalsJson() const {
  const Audience::Peak day = audience_.totalDayPeak();
  const protocol::Counts& c = totals_.counts;
  return "{\"viewers\":" + num(int64_t{totals_.viewers}) + ",\"webrtc\":" + num(int64_t{totals_.webrtc}) +
         ",\"hls\":" + num(int64_t{totals_.hls}) + ",\"members\":" + num(int64_t{totals_.members}) +
         ",\"rooms_live\":" + num(int64_t{totals_.rooms_live}) + ",\"peak_today\":" + num(int64_t{day.viewers}) +
         ",\"peak_today_ms\":" + num(day.at_ms) + ",\"teacher\":" + num(int64_t{c.teachers}) +
         ",\"student\":" + num(int64_t{c.students}) + ",\"admin\":" + num(int64_t{c.admins}) +
         ",\"total\":" + num(int64_t{c.total()}) + "}";
}

std::string AdminStats::snapshotJson() const { return std::string(snapshot("")->text()); }

FramePtr AdminStats::snapshot(const std::string& re) const {
  std::string out = "{\"v\":1,\"type\":\"stats\"";
  if (!re.empty()) {
    out += ",\"re\":";
    appendString(out, re);
  }
  out += ",\"full\":true,\"time_ms\":" + num(time_ms_) + ",\"rooms\":[";
  bool first_room = true;
  for (const auto& [name, state] : rooms_) {
    if (!first_room) out += ',';
    first_room = false;
    bool first = true;
    for (int i = 0; i < kFieldCount; ++i) {
      const std::string& v = state.fields[static_cast<size_t>(i)];
      if (v.empty()) continue;
      out += first ? "{\"" : ",\"";
      first = false;
      out += kKeys[i];
      out += "\":";
      out += v;
    }
    out += '}';
  }
  out += "],\"removed\":[],\"totals\":" + totalsJson() + "}";
  return Frame::make(out);
}

std::string AdminStats::historyJson(std::string_view range, std::string_view room, int64_t now) const {
  int64_t span_ms = 0;
  if (range.size() >= 2 && range.size() <= 20) {
    int64_t n = 0;
    const char unit = range.back();
    auto [p, ec] = std::from_chars(range.data(), range.data() + range.size() - 1, n);
    const int64_t scale = unit == 's' ? kSecondMs : unit == 'm' ? kMinuteMs : unit == 'h' ? 60 * kMinuteMs
                          : unit == 'd' ? 1440 * kMinuteMs : 0;
    if (ec == std::errc() && p == range.data() + range.size() - 1 && n > 0 && scale > 0) {
      span_ms = n > kMaxRangeMs / scale ? kMaxRangeMs : std::min(n * scale, kMaxRangeMs);  // huge: clamped
    }
  }
  if (span_ms == 0) {
    throw common::Error(common::ErrorCode::BadRequest, "history: range must be 5m, 1h, 24h, 7d (or <N>s|m|h|d)");
  }
  std::string out = "{\"range\":" + str(range);
  if (!room.empty()) out += ",\"room\":" + str(room);
  std::string points;
  auto add = [&](int64_t t, int v) {
    if (!points.empty()) points += ',';
    points += "[" + num(t) + "," + num(int64_t{v}) + "]";
  };
  if (span_ms <= kMemoryRangeMs) {
    out += ",\"step_s\":1";
    for (const auto& s : audience_.recent(room, now - span_ms)) add(s.t_ms, s.viewers);
  } else {
    out += ",\"step_s\":60";
    for (const auto& s : store_.viewerSamples(std::string(room), now - span_ms)) add(s.minute_ms, s.viewers);
  }
  return out + ",\"points\":[" + points + "]}";
}

}  // namespace airclass::signaling
