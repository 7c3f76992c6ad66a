#include "common/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "common/error.hpp"

namespace airclass::common {
namespace {

// One value for one key, from the file (a TOML node) or from an env var or flag (text).
struct Input {
  const toml::node* node = nullptr;
  std::string_view text;
  std::string source;  // the file path, "AIRCLASS_HTTP_PORT" or "--http.port"
};

// One settable key: where it lives, what it accepts (for error messages) and how to store it.
struct Setting {
  std::string_view section;  // empty for the top-level keys data_dir and demo
  std::string_view key;
  std::string expected;      // "an integer 1..65535"
  std::function<bool(Config&, const Input&)> set;  // false when the value does not fit; nothing stored then
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = s.find(sep);
    parts.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

bool intFromText(std::string_view t, int64_t& out) {
  t = trim(t);
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return !t.empty() && ec == std::errc{} && end == t.data() + t.size();
}

bool readInt(const Input& in, int64_t& out) {
  if (!in.node) return intFromText(in.text, out);
  if (const auto* v = in.node->as_integer()) {
    out = v->get();
    return true;
  }
  return false;
}

bool readDouble(const Input& in, double& out) {
  if (in.node) {
    if (const auto* f = in.node->as_floating_point()) out = f->get();
    else if (const auto* i = in.node->as_integer()) out = static_cast<double>(i->get());
    else return false;
  } else {
    std::string_view t = trim(in.text);
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    if (t.empty() || ec != std::errc{} || end != t.data() + t.size()) return false;
  }
  return std::isfinite(out);
}

bool readBool(const Input& in, bool& out) {
  if (in.node) {
    const auto* b = in.node->as_boolean();
    if (b) out = b->get();
    return b != nullptr;
  }
  std::string_view t = trim(in.text);
  if (t == "true" || t == "1") out = true;
  else if (t == "false" || t == "0") out = false;
  else return false;
  return true;
}

bool readString(const Input& in, std::string& out) {
  if (!in.node) {
    out = std::string(in.text);
    return true;
  }
  const auto* s = in.node->as_string();
  if (s) out = s->get();
  return s != nullptr;
}

// A list of strings: a TOML array of strings, or comma-separated text ("" is the empty list).
bool readList(const Input& in, std::vector<std::string>& out) {
  out.clear();
  if (!in.node) {
    if (trim(in.text).empty()) return true;
    for (std::string_view item : split(in.text, ',')) {
      if (item.empty()) return false;
      out.emplace_back(item);
    }
    return true;
  }
  const auto* arr = in.node->as_array();
  if (!arr) return false;
  for (const toml::node& item : *arr) {
    const auto* s = item.as_string();
    if (!s || s->get().empty()) return false;
    out.push_back(s->get());
  }
  return true;
}

constexpr size_t kMaxRungs = 8;

bool validRung(const LadderRung& r) {
  if (r.name.empty() || r.name.size() > 32) return false;
  for (char ch : r.name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-';
    if (!ok) return false;
  }
  return r.height >= 2 && r.height <= 4320 && r.height % 2 == 0 && r.video_kbps >= 50 && r.video_kbps <= 100000;
}

// The ladder: TOML [[transcode.ladder]] tables {name, height, video_kbps}, or text "720p:720:2500,480p:480:1000".
bool readLadder(const Input& in, std::vector<LadderRung>& out) {
  out.clear();
  if (!in.node) {
    if (!trim(in.text).empty()) {
      for (std::string_view item : split(in.text, ',')) {
        std::vector<std::string_view> f = split(item, ':');
        int64_t height = 0, kbps = 0;
        if (f.size() != 3 || !intFromText(f[1], height) || !intFromText(f[2], kbps)) return false;
        if (height > 100000 || kbps > 1000000 || height < 0 || kbps < 0) return false;
        out.push_back({std::string(f[0]), static_cast<int>(height), static_cast<int>(kbps)});
      }
    }
  } else {
    const auto* arr = in.node->as_array();
    if (!arr) return false;
    for (const toml::node& item : *arr) {
      const auto* t = item.as_table();
      if (!t || t->size() != 3) return false;
      const auto* name = t->get_as<std::string>("name");
      const auto* height = t->get_as<int64_t>("height");
      const auto* kbps = t->get_as<int64_t>("video_kbps");
      if (!name || !height || !kbps || height->get() > 100000 || kbps->get() > 1000000) return false;
      out.push_back({name->get(), static_cast<int>(height->get()), static_cast<int>(kbps->get())});
    }
  }
  std::set<std::string> names;
  for (const LadderRung& r : out) {
    if (!validRung(r) || !names.insert(r.name).second) return false;
  }
  return out.size() <= kMaxRungs;
}

template <class Get>
using FieldType = std::remove_reference_t<std::invoke_result_t<Get, Config&>>;

template <class Get>
Setting integer(std::string_view section, std::string_view key, Get get, int64_t lo, int64_t hi) {
  return {section, key, "an integer " + std::to_string(lo) + ".." + std::to_string(hi),
          [get, lo, hi](Config& c, const Input& in) {
            int64_t v = 0;
            if (!readInt(in, v) || v < lo || v > hi) return false;
            get(c) = static_cast<FieldType<Get>>(v);
            return true;
          }};
}

// A number in (lo, hi] — lower bound exclusive, e.g. durations — or [lo, hi] when `lo_inclusive`.
template <class Get>
Setting number(std::string_view section, std::string_view key, Get get, double lo, double hi,
               bool lo_inclusive = false) {
  std::ostringstream expected;
  if (lo_inclusive) expected << "a number " << lo << ".." << hi;
  else expected << "a number > " << lo << " and <= " << hi;
  return {section, key, expected.str(), [get, lo, hi, lo_inclusive](Config& c, const Input& in) {
            double v = 0;
            if (!readDouble(in, v) || v > hi || v < lo || (!lo_inclusive && v == lo)) return false;
            get(c) = v;
            return true;
          }};
}

template <class Get>
Setting boolean(std::string_view section, std::string_view key, Get get) {
  return {section, key, "true or false", [get](Config& c, const Input& in) { return readBool(in, get(c)); }};
}

// A string; with `allowed`, one of those; with `non_empty`, not "".
template <class Get>
Setting text(std::string_view section, std::string_view key, Get get, bool non_empty = false,
             std::initializer_list<std::string_view> allowed = {}) {
  std::string expected = non_empty ? "a non-empty string" : "a string";
  if (allowed.size() > 0) {
    expected = "one of ";
    for (std::string_view a : allowed) expected.append(a).append("|");
    expected.pop_back();
  }
  std::vector<std::string> allow(allowed.begin(), allowed.end());
  return {section, key, expected, [get, non_empty, allow](Config& c, const Input& in) {
            std::string v;
            if (!readString(in, v) || (non_empty && v.empty())) return false;
            if (!allow.empty() && std::find(allow.begin(), allow.end(), v) == allow.end()) return false;
            get(c) = std::move(v);
            return true;
          }};
}

template <class Get>
Setting list(std::string_view section, std::string_view key, Get get) {
  return {section, key, "a list of non-empty strings (TOML array, or comma-separated)",
          [get](Config& c, const Input& in) {
            std::vector<std::string> v;
            if (!readList(in, v)) return false;
            get(c) = std::move(v);
            return true;
          }};
}

template <class Get>
Setting ladder(std::string_view section, std::string_view key, Get get) {
  return {section, key,
          "a ladder of at most 8 rungs: [[transcode.ladder]] tables {name, height, video_kbps} or text "
          "\"720p:720:2500,480p:480:1000\" (\"\" for none); names unique [A-Za-z0-9_-], height 2..4320 even, "
          "video_kbps 50..100000",
          [get](Config& c, const Input& in) {
            std::vector<LadderRung> v;
            if (!readLadder(in, v)) return false;
            get(c) = std::move(v);
            return true;
          }};
}

#define AIRCLASS_FIELD(sec, name) #sec, #name, [](Config & c) -> auto& { return c.sec.name; }

// The one table of keys: adding a key to Config is one line here (and one in config/airclass.toml).
const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      text(AIRCLASS_FIELD(log, level), true, {"debug", "info", "warn", "error"}),

      text(AIRCLASS_FIELD(http, host), true),
      integer(AIRCLASS_FIELD(http, port), 1, 65535),
      text(AIRCLASS_FIELD(http, web_root)),
      integer(AIRCLASS_FIELD(http, max_connections_per_ip), 1, 1000000),

      text(AIRCLASS_FIELD(rtmp, host), true),
      integer(AIRCLASS_FIELD(rtmp, port), 1, 65535),
      integer(AIRCLASS_FIELD(rtmp, max_message_bytes), 1024, 1 << 30),
      integer(AIRCLASS_FIELD(rtmp, handshake_timeout_s), 1, 3600),

      text(AIRCLASS_FIELD(srt, host), true),
      integer(AIRCLASS_FIELD(srt, port), 1, 65535),
      integer(AIRCLASS_FIELD(srt, latency_ms), 1, 60000),

      integer(AIRCLASS_FIELD(webrtc, port), 1, 65535),
      list(AIRCLASS_FIELD(webrtc, candidates)),
      integer(AIRCLASS_FIELD(webrtc, workers), 0, 256),
      integer(AIRCLASS_FIELD(webrtc, max_viewers), 1, 1000000),
      integer(AIRCLASS_FIELD(webrtc, consent_timeout_s), 1, 3600),

      text(AIRCLASS_FIELD(auth, secret)),

      integer(AIRCLASS_FIELD(ingest, reconnect_grace_s), 1, 86400),
      integer(AIRCLASS_FIELD(ingest, stall_timeout_s), 1, 3600),
      integer(AIRCLASS_FIELD(ingest, max_width), 16, 16384),
      integer(AIRCLASS_FIELD(ingest, max_height), 16, 16384),

      boolean(AIRCLASS_FIELD(transcode, passthrough)),
      ladder(AIRCLASS_FIELD(transcode, ladder)),
      integer(AIRCLASS_FIELD(transcode, audio_kbps), 8, 512),
      number(AIRCLASS_FIELD(transcode, keyframe_interval_s), 0, 10),
      text(AIRCLASS_FIELD(transcode, x264_preset), true,
           {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}),

      number(AIRCLASS_FIELD(hls, segment_duration_s), 0, 60),
      number(AIRCLASS_FIELD(hls, part_duration_s), 0, 60),
      integer(AIRCLASS_FIELD(hls, window_segments), 3, 1000),

      integer(AIRCLASS_FIELD(signaling, heartbeat_timeout_s), 1, 3600),
      integer(AIRCLASS_FIELD(signaling, resume_grace_s), 1, 86400),
      integer(AIRCLASS_FIELD(signaling, max_message_bytes), 256, 16 << 20),
      integer(AIRCLASS_FIELD(signaling, send_queue_messages), 1, 1000000),
      integer(AIRCLASS_FIELD(signaling, qna_history), 0, 100000),
      integer(AIRCLASS_FIELD(signaling, question_max_chars), 1, 100000),
      integer(AIRCLASS_FIELD(signaling, questions_per_minute), 1, 10000),
      number(AIRCLASS_FIELD(signaling, attendance_min_ratio), 0, 1, true),
      boolean(AIRCLASS_FIELD(signaling, students_see_roster)),
      integer(AIRCLASS_FIELD(signaling, messages_per_second), 1, 100000),

      text(AIRCLASS_FIELD(webhooks, url)),
      text(AIRCLASS_FIELD(webhooks, secret)),
      integer(AIRCLASS_FIELD(webhooks, timeout_ms), 100, 60000),
      integer(AIRCLASS_FIELD(webhooks, max_retries), 0, 20),

      text("", "data_dir", [](Config& c) -> auto& { return c.data_dir; }, true),
      boolean("", "demo", [](Config& c) -> auto& { return c.demo; }),
  };
  return table;
}

#undef AIRCLASS_FIELD

std::string label(std::string_view section, std::string_view key) {
  if (section.empty()) return std::string(key);
  return "[" + std::string(section) + "] " + std::string(key);
}

std::string fullName(const Setting& s) {
  return s.section.empty() ? std::string(s.key) : std::string(s.section) + "." + std::string(s.key);
}

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorCode::Config, "config: " + what); }

const Setting* find(std::string_view section, std::string_view key) {
  for (const Setting& s : settings()) {
    if (s.section == section && s.key == key) return &s;
  }
  return nullptr;
}

std::string quote(std::string_view v) {
  std::string out = "\"";
  for (char ch : v.substr(0, 200)) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) out += '?';
    else out += ch;
  }
  if (v.size() > 200) out += "...";
  return out + "\"";
}

std::string shown(const Input& in) {
  if (!in.node) return quote(in.text);
  if (const auto* str = in.node->as_string()) return quote(str->get());
  std::ostringstream os;
  os << toml::node_view<const toml::node>(in.node);
  std::string s = os.str();
  for (char& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

// Tracks where each key's value came from, for errors that involve two keys.
using Origins = std::map<std::string, std::string>;

void apply(Config& config, Origins& origins, const Setting& s, const Input& in) {
  if (!s.set(config, in)) {
    fail(label(s.section, s.key) + ": expected " + s.expected + ", got " + shown(in) + " (from " + in.source +
         ")");
  }
  origins[fullName(s)] = in.source;
}

void applyNamed(Config& config, Origins& origins, std::string_view section, std::string_view key,
                const Input& in) {
  const Setting* s = find(section, key);
  if (!s) fail(label(section, key) + ": unknown key (from " + in.source + ")");
  apply(config, origins, *s, in);
}

void applyFile(Config& config, Origins& origins, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << path << ":" << e.source().begin.line << ":" << e.source().begin.column;
    fail(where.str() + ": invalid TOML: " + std::string(e.description()));
  }
  for (const auto& [name, node] : root) {
    if (const auto* section = node.as_table()) {
      bool known = false;
      for (const Setting& s : settings()) known = known || s.section == name.str();
      if (!known) fail("[" + std::string(name.str()) + "]: unknown section (from " + path + ")");
      for (const auto& [key, value] : *section) applyNamed(config, origins, name.str(), key.str(), {&value, {}, path});
    } else {
      applyNamed(config, origins, "", name.str(), {&node, {}, path});
    }
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

void applyEnv(Config& config, Origins& origins, const std::vector<std::string>& env) {
  constexpr std::string_view kPrefix = "AIRCLASS_";
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    std::string name = entry.substr(0, eq);
    std::string_view value = std::string_view(entry).substr(eq + 1);
    std::string_view rest = std::string_view(name).substr(kPrefix.size());
    if (rest == "BINARY" || rest == "SOURCE_DIR") continue;  // used by the tests, not settings
    if (rest == "DATA_DIR" || rest == "DEMO") {
      applyNamed(config, origins, "", lower(rest), {nullptr, value, name});
      continue;
    }
    size_t us = rest.find('_');
    if (us == std::string_view::npos || us == 0 || us + 1 == rest.size()) fail(name + ": unknown setting");
    applyNamed(config, origins, lower(rest.substr(0, us)), lower(rest.substr(us + 1)), {nullptr, value, name});
  }
}

// Splits "--name=value" or "--name value"; advances i past the value.
std::string_view flagValue(const std::vector<std::string>& args, size_t& i, std::string_view name) {
  std::string_view arg = args[i];
  if (arg.size() > name.size() + 2 && arg[name.size() + 2] == '=') return arg.substr(name.size() + 3);
  if (i + 1 >= args.size()) fail(std::string(arg) + ": missing value");
  return args[++i];
}

void applyFlags(Config& config, Origins& origins, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.substr(0, 2) != "--" || arg.size() == 2) fail("unexpected argument " + quote(arg));
    std::string_view name = arg.substr(2, arg.find('=') == std::string_view::npos ? std::string_view::npos
                                                                                   : arg.find('=') - 2);
    std::string source = "--" + std::string(name);
    if (name == "config") {
      flagValue(args, i, name);  // read before everything else
    } else if (name == "demo") {
      bool has_value = arg.find('=') != std::string_view::npos;
      applyNamed(config, origins, "", "demo", {nullptr, has_value ? arg.substr(7) : "true", source});
    } else if (name == "data-dir") {
      applyNamed(config, origins, "", "data_dir", {nullptr, flagValue(args, i, name), source});
    } else if (size_t dot = name.find('.'); dot != std::string_view::npos) {
      std::string_view section = name.substr(0, dot), key = name.substr(dot + 1);
      if (!find(section, key)) fail(label(section, key) + ": unknown key (from " + source + ")");
      applyNamed(config, origins, section, key, {nullptr, flagValue(args, i, name), source});
    } else {
      fail("unknown flag " + source);
    }
  }
}

// The config file: --config FILE (last one wins), else config/airclass.toml in the cwd if it exists.
std::string configPath(const std::vector<std::string>& args) {
  std::string path;
  bool given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--config" || arg.substr(0, 9) == "--config=") {
      path = std::string(flagValue(args, i, "config"));
      given = true;
    }
  }
  std::error_code ec;
  if (!given) return std::filesystem::is_regular_file("config/airclass.toml", ec) ? "config/airclass.toml" : "";
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) fail("--config " + path + ": no such file");
  return path;
}

std::string originOf(const Origins& origins, const std::string& key) {
  auto it = origins.find(key);
  return it == origins.end() ? "default" : it->second;
}

// Rules that involve more than one key.
void checkTogether(const Config& c, const Origins& origins) {
  if (c.hls.part_duration_s >= c.hls.segment_duration_s) {
    std::ostringstream msg;
    msg << "[hls] part_duration_s (" << c.hls.part_duration_s << ", from "
        << originOf(origins, "hls.part_duration_s") << ") must be less than [hls] segment_duration_s ("
        << c.hls.segment_duration_s << ", from " << originOf(origins, "hls.segment_duration_s") << ")";
    fail(msg.str());
  }
  if (c.transcode.ladder.empty() && !c.transcode.passthrough) {
    fail("[transcode] ladder: empty (from " + originOf(origins, "transcode.ladder") +
         ") while [transcode] passthrough is false (from " + originOf(origins, "transcode.passthrough") +
         "): there would be nothing to play");
  }
}

}  // namespace

Config loadConfig(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  Config config;
  Origins origins;
  config.config_path = configPath(args);
  if (!config.config_path.empty()) applyFile(config, origins, config.config_path);
  applyEnv(config, origins, env);
  applyFlags(config, origins, args);
  checkTogether(config, origins);
  return config;
}

std::vector<std::string> configKeyNames() {
  std::vector<std::string> names;
  for (const Setting& s : settings()) names.push_back(fullName(s));
  return names;
}

}  // namespace airclass::common
