#include "signaling/admin_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

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

void appendNum(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void appendNum(std::string& out, double v) { appendNum(out, static_cast<int64_t>(std::llround(v))); }
void appendTenths(std::string& out, double v) {  // one decimal: stable between ticks
  const int64_t t = std::llround(v * 10);
  appendNum(out, t / 10);
  out += '.';
  appendNum(out, static_cast<int64_t>(std::abs(t % 10)));
}
void appendBool(std::string& out, bool v) { out += v ? "true" : "false"; }

std::string str(std::string_view s) {
  std::string out;
  appendString(out, s);
  return out;
}

std::string num(int64_t v) {
  std::string out;
  appendNum(out, v);
  return out;
}

const std::vector<std::string_view> kNoStudents;
const std::vector<std::string> kNoPlayers;
const std::vector<MediaFeed::Rendition> kNoRenditions;

}  // namespace

AdminStats::AdminStats(SignalingStore& store) : store_(store) {}

void AdminStats::setMediaFeed(std::shared_ptr<const MediaFeed> feed) { feed_ = std::move(feed); }

void AdminStats::encodeIngest(RoomState& state, const MediaFeed::Room& m, int64_t now) {
  // Hysteresis: the bitrate moves in every sample; events refresh it on a 10% move or every 10 s.
  const double kbps = m.bitrate_kbps;
  const bool refresh = state.reported_kbps < 0 || now - state.reported_kbps_ms >= kBitrateRefreshMs ||
                       std::fabs(kbps - state.reported_kbps) >= 0.1 * std::max(state.reported_kbps, 1.0);
  if (refresh) {
    state.reported_kbps = kbps;
    state.reported_kbps_ms = now;
  }
  field_ += "{\"protocol\":";
  appendString(field_, m.protocol);
  field_ += ",\"bitrate_kbps\":";
  appendNum(field_, state.reported_kbps);
  field_ += ",\"fps\":";
  appendNum(field_, m.fps);
  field_ += ",\"dropped_frames\":";
  appendNum(field_, static_cast<int64_t>(m.dropped_frames));
  field_ += '}';
}

void AdminStats::collect(const std::vector<MemberRoom>& members) {
  entries_.clear();
  for (const MemberRoom& m : members) entries_.push_back(Entry{m.room, &m, nullptr});
  if (feed_) {
    for (const MediaFeed::Room& f : feed_->rooms) {
      if (f.broadcast || !f.webrtc.empty() || !f.hls.empty()) entries_.push_back(Entry{f.room, nullptr, &f});
    }
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.room < b.room; });
  size_t out = 0;  // one entry per room name: signaling's side and media's side merged
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (out > 0 && entries_[out - 1].room == entries_[i].room) {
      Entry& e = entries_[out - 1];
      if (entries_[i].member) e.member = entries_[i].member;
      if (entries_[i].media) e.media = entries_[i].media;
    } else {
      entries_[out++] = entries_[i];
    }
  }
  entries_.resize(out);
}

void AdminStats::setField(RoomState& state, Field field, bool& patched) {
  std::string& value = state.fields[static_cast<size_t>(field)];
  if (field != kRoom && value == field_) return;
  const bool was_present = !value.empty();
  value.assign(field_);  // keeps its capacity: no allocation from the second tick on
  if (value.empty() && !was_present) return;
  changed_ += field == kRoom ? "{\"" : ",\"";
  changed_ += kKeys[field];
  changed_ += "\":";
  changed_ += value.empty() ? std::string_view("null") : std::string_view(value);  // null: the field went away
  patched = patched || field != kRoom;
}

bool AdminStats::encodeRoom(const Entry& e, RoomState& state, int64_t now) {
  const size_t start = changed_.size();
  if (start > 0) changed_ += ',';
  bool patched = false;
  auto set = [&](Field field, auto&& encode) {
    field_.clear();
    encode();
    setField(state, field, patched);
  };
  const MediaFeed::Room* m = e.media;
  const protocol::Counts counts = e.member ? e.member->counts : protocol::Counts{};
  const bool live = m ? m->live : (e.member && e.member->live);
  const Audience::Peak peak = audience_.sessionPeak(e.room);
  set(kRoom, [&] { appendString(field_, e.room); });
  set(kTitle, [&] { appendString(field_, e.room); });
  set(kTeacher, [&] { appendString(field_, m ? std::string_view(m->teacher) : ""); });
  set(kLive, [&] { appendBool(field_, live); });
  set(kStartedMs, [&] { appendNum(field_, m ? m->started_ms : int64_t{0}); });
  set(kSessionId, [&] { appendNum(field_, static_cast<int64_t>(e.member ? e.member->session_id : 0)); });
  set(kCounts, [&] {
    field_ += "{\"teacher\":";
    appendNum(field_, int64_t{counts.teachers});
    field_ += ",\"student\":";
    appendNum(field_, int64_t{counts.students});
    field_ += ",\"admin\":";
    appendNum(field_, int64_t{counts.admins});
    field_ += ",\"total\":";
    appendNum(field_, int64_t{counts.total()});
    field_ += '}';
  });
  set(kPlayers, [&] {
    field_ += "{\"webrtc\":";
    appendNum(field_, static_cast<int64_t>(m ? m->webrtc.size() : 0));
    field_ += ",\"hls\":";
    appendNum(field_, static_cast<int64_t>(m ? m->hls.size() : 0));
    field_ += '}';
  });
  set(kViewers, [&] { appendNum(field_, int64_t{e.viewers}); });
  set(kPeak, [&] { appendNum(field_, int64_t{peak.viewers}); });
  set(kPeakMs, [&] { appendNum(field_, peak.at_ms); });
  set(kIngest, [&] {
    if (m && m->broadcast) encodeIngest(state, *m, now);
  });
  set(kRenditions, [&] {
    field_ += '[';
    for (const auto& r : m ? m->renditions : kNoRenditions) {
      if (field_.size() > 1) field_ += ',';
      field_ += "{\"name\":";
      appendString(field_, r.name);
      field_ += ",\"width\":";
      appendNum(field_, int64_t{r.width});
      field_ += ",\"height\":";
      appendNum(field_, int64_t{r.height});
      field_ += ",\"fps\":";
      appendNum(field_, r.fps);
      field_ += ",\"realtime\":";
      appendTenths(field_, r.realtime);
      field_ += ",\"healthy\":";
      appendBool(field_, r.healthy);
      field_ += '}';
    }
    field_ += ']';
  });
  set(kQnaOpen, [&] { appendBool(field_, !e.member || e.member->qna_open); });
  if (patched) {
    changed_ += '}';
  } else {  // nothing but the room name: the room stays out of the delta
    changed_.resize(start);
  }
  return live;
}

FramePtr AdminStats::tick(int64_t now, const std::vector<MemberRoom>& members) {
  time_ms_ = now;
  ++ticks_;
  collect(members);

  inputs_.clear();
  for (Entry& e : entries_) {
    const MediaFeed::Room* m = e.media;
    e.viewers = counter_.count(e.member ? e.member->students : kNoStudents, m ? m->webrtc : kNoPlayers,
                               m ? m->hls : kNoPlayers, e.member ? e.member->staff : kNoStudents);
    inputs_.push_back(Audience::RoomInput{e.room, e.member ? e.member->session_id : 0, e.viewers});
  }
  audience_.record(now, inputs_);
  if (auto minutes = audience_.takeMinutes(); !minutes.empty()) store_.insertViewerSamples(std::move(minutes));

  // Encode each room's fields; the delta carries the rooms and fields that differ from the last tick.
  changed_.clear();
  numbers_.resize(entries_.size());
  totals_ = Totals{};
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    auto it = rooms_.find(e.room);
    if (it == rooms_.end()) it = rooms_.emplace(std::string(e.room), RoomState{}).first;
    it->second.ticked = ticks_;
    const bool live = encodeRoom(e, it->second, now);

    const protocol::Counts counts = e.member ? e.member->counts : protocol::Counts{};
    const int webrtc = e.media ? static_cast<int>(e.media->webrtc.size()) : 0;
    const int hls = e.media ? static_cast<int>(e.media->hls.size()) : 0;
    RoomNumbers& n = numbers_[i];
    n.room.assign(e.room);
    n.counts = counts;
    n.webrtc = webrtc;
    n.hls = hls;
    n.viewers = e.viewers;
    totals_.viewers += e.viewers;
    totals_.webrtc += webrtc;
    totals_.hls += hls;
    totals_.members += counts.total();
    totals_.rooms_live += live ? 1 : 0;
    totals_.counts.teachers += counts.teachers;
    totals_.counts.students += counts.students;
    totals_.counts.admins += counts.admins;
  }
  std::string removed;
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    if (it->second.ticked == ticks_) {
      ++it;
      continue;
    }
    if (!removed.empty()) removed += ',';
    appendString(removed, it->first);
    it = rooms_.erase(it);
  }
  std::string out;
  out.reserve(changed_.size() + removed.size() + 512);
  out += "{\"v\":1,\"type\":\"stats\",\"full\":false,\"time_ms\":";
  appendNum(out, now);
  out += ",\"rooms\":[";
  out += changed_;
  out += "],\"removed\":[";
  out += removed;
  out += "],\"totals\":";
  out += totalsJson();
  out += '}';
  return Frame::make(out);
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
