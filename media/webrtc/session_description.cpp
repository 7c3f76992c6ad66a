#include "media/webrtc/session_description.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace airclass::media::webrtc {
namespace {

using Result = codec::ParseResult<SessionDescription>;

template <class T>
std::optional<T> toNumber(std::string_view text, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

// Splits on single spaces (SDP fields), keeping at most `limit` pieces; the last piece keeps the rest.
std::vector<std::string_view> split(std::string_view text, size_t limit) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() + 1 < limit) {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) break;
    if (space > 0) out.push_back(text.substr(0, space));
    text.remove_prefix(space + 1);
  }
  if (!text.empty()) out.push_back(text);
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Session-level values media sections inherit.
struct Defaults {
  std::string ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint, setup;
};

// One a= line applied to the session defaults and, inside a media section, to `m`. Returns an error or "".
std::string applyAttribute(std::string_view name, std::string_view value, bool has_value, Defaults& session,
                           SdpMedia* m, SessionDescription& sd) {
  if (value.size() > SessionDescription::kMaxLine) return "attribute too long";
  auto bounded = [&](std::string& target) -> std::string {
    if (!has_value || value.empty() || value.size() > SessionDescription::kMaxValue) {
      return "bad a=" + std::string(name);
    }
    target = std::string(value);
    return "";
  };
  if (name == "ice-ufrag") return bounded(m ? m->ice_ufrag : session.ice_ufrag);
  if (name == "ice-pwd") return bounded(m ? m->ice_pwd : session.ice_pwd);
  if (name == "setup") return bounded(m ? m->setup : session.setup);
  if (name == "fingerprint") {
    const auto parts = split(value, 2);
    if (parts.size() != 2 || parts[1].size() > SessionDescription::kMaxValue) return "bad a=fingerprint";
    (m ? m->fingerprint_algorithm : session.fingerprint_algorithm) = lower(parts[0]);
    (m ? m->fingerprint : session.fingerprint) = std::string(parts[1]);
    return "";
  }
  if (name == "ice-lite") {
    sd.ice_lite = true;
    return "";
  }
  if (name == "group") {
    const auto parts = split(value, 64);
    if (!parts.empty() && parts[0] == "BUNDLE") {
      sd.bundle.assign(parts.begin() + 1, parts.end());
      for (const auto& mid : sd.bundle) {
        if (mid.size() > SessionDescription::kMaxValue) return "bad a=group";
      }
    }
    return "";
  }
  if (!m) return "";  // other session-level attributes are not needed
  if (name == "mid") return bounded(m->mid);
  if (name == "msid") return bounded(m->msid);
  if (name == "sendrecv") m->direction = SdpDirection::SendRecv;
  else if (name == "sendonly") m->direction = SdpDirection::SendOnly;
  else if (name == "recvonly") m->direction = SdpDirection::RecvOnly;
  else if (name == "inactive") m->direction = SdpDirection::Inactive;
  else if (name == "rtcp-mux") m->rtcp_mux = true;
  else if (name == "rtcp-rsize") m->rtcp_rsize = true;
  else if (name == "rtpmap" || name == "fmtp" || name == "rtcp-fb") {
    const auto parts = split(value, 2);
    if (parts.size() != 2) return "bad a=" + std::string(name);
    SdpCodec* codec = nullptr;
    std::vector<SdpCodec*> targets;
    if (name == "rtcp-fb" && parts[0] == "*") {
      for (auto& c : m->codecs) targets.push_back(&c);
    } else {
      const auto pt = toNumber<int>(parts[0], 0, 127);
      if (!pt) return "bad payload type in a=" + std::string(name);
      const auto it = std::find_if(m->codecs.begin(), m->codecs.end(),
                                   [&](const SdpCodec& c) { return c.payload_type == *pt; });
      if (it == m->codecs.end()) return "";
      codec = &*it;  // a payload type the m= line does not list: ignored
      targets.push_back(codec);
    }
    if (name == "fmtp") {
      codec->fmtp = std::string(parts[1]);
    } else if (name == "rtcp-fb") {
      for (auto* c : targets) {
        if (c->feedback.size() < 16) c->feedback.emplace_back(parts[1]);
      }
    } else {
      // encoding name "/" clock rate [ "/" channels ]
      const auto encoding = parts[1];
      const size_t slash = encoding.find('/');
      if (slash == std::string_view::npos || slash == 0) return "bad a=rtpmap";
      const auto rest = encoding.substr(slash + 1);
      const size_t slash2 = rest.find('/');
      const auto rate = toNumber<int>(rest.substr(0, slash2), 1, 10'000'000);
      if (!rate) return "bad clock rate in a=rtpmap";
      codec->name = std::string(encoding.substr(0, slash));
      codec->clock_rate = *rate;
      if (slash2 != std::string_view::npos) {
        const auto channels = toNumber<int>(rest.substr(slash2 + 1), 1, 255);
        if (!channels) return "bad channels in a=rtpmap";
        codec->channels = *channels;
      }
    }
  } else if (name == "extmap") {
    const auto parts = split(value, 3);
    if (parts.size() < 2) return "bad a=extmap";
    const auto id = toNumber<int>(parts[0].substr(0, parts[0].find('/')), 1, 255);
    if (!id || parts[1].size() > SessionDescription::kMaxValue) return "bad a=extmap";
    if (m->extmaps.size() >= SessionDescription::kMaxExtmaps) return "too many a=extmap";
    m->extmaps.push_back({*id, std::string(parts[1])});
  } else if (name == "ssrc") {
    const auto parts = split(value, 2);
    const auto ssrc = parts.empty() ? std::nullopt : toNumber<uint32_t>(parts[0], 0, UINT32_MAX);
    if (!ssrc) return "bad a=ssrc";
    auto it = std::find_if(m->ssrcs.begin(), m->ssrcs.end(), [&](const SdpSsrc& s) { return s.ssrc == *ssrc; });
    if (it == m->ssrcs.end()) {
      if (m->ssrcs.size() >= SessionDescription::kMaxSsrcs) return "too many a=ssrc";
      m->ssrcs.push_back({*ssrc, {}, {}});
      it = m->ssrcs.end() - 1;
    }
    if (parts.size() == 2 && parts[1].size() <= SessionDescription::kMaxValue) {
      if (parts[1].starts_with("cname:")) it->cname = std::string(parts[1].substr(6));
      if (parts[1].starts_with("msid:")) it->msid = std::string(parts[1].substr(5));
    }
  } else if (name == "ssrc-group") {
    const auto parts = split(value, 8);
    if (parts.size() >= 2 && parts[0] == "FID" && m->fid_groups.size() < SessionDescription::kMaxSsrcs) {
      std::vector<uint32_t> group;
      for (size_t i = 1; i < parts.size(); ++i) {
        const auto ssrc = toNumber<uint32_t>(parts[i], 0, UINT32_MAX);
        if (!ssrc) return "bad a=ssrc-group";
        group.push_back(*ssrc);
      }
      m->fid_groups.push_back(std::move(group));
    }
  }
  return "";
}

}  // namespace

std::string_view toString(SdpDirection direction) {
  switch (direction) {
    case SdpDirection::SendRecv: return "sendrecv";
    case SdpDirection::SendOnly: return "sendonly";
    case SdpDirection::RecvOnly: return "recvonly";
    case SdpDirection::Inactive: return "inactive";
  }
  return "inactive";
}

std::string SdpCodec::fmtpParameter(std::string_view key) const {
  std::string_view rest = fmtp;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view item = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key) return std::string(item.substr(eq + 1));
  }
  return "";
}

const SdpCodec* SdpMedia::codec(int payload_type) const {
  for (const auto& c : codecs) {
    if (c.payload_type == payload_type) return &c;
  }
  return nullptr;
}

int SdpMedia::extmapId(std::string_view uri) const {
  for (const auto& e : extmaps) {
    if (e.uri == uri) return e.id;
  }
  return 0;
}

Result SessionDescription::parse(std::string_view text) {
  if (text.size() > kMaxSize) return Result::failure("sdp: larger than " + std::to_string(kMaxSize) + " bytes");
  SessionDescription sd;
  Defaults session;
  bool first = true;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto fail = [&](const std::string& why) {
      return Result::failure("sdp: line " + std::to_string(line_number) + ": " + why);
    };
    if (line.size() > kMaxLine) return fail("line too long");
    if (std::any_of(line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
      return fail("control character");  // values are echoed into our answer: no line injection
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return fail("not a <type>=<value> line");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (first) {
      if (type != 'v' || value != "0") return fail("must start with v=0");
      first = false;
      continue;
    }
    if (type == 'm') {
      if (sd.media.size() >= kMaxMedia) return fail("too many media sections");
      const auto parts = split(value, kMaxCodecs + 3);
      if (parts.size() < 4) return fail("bad m= line");
      SdpMedia m;
      m.kind = std::string(parts[0]);
      const auto port = toNumber<uint16_t>(parts[1].substr(0, parts[1].find('/')), 0, 65535);
      if (!port || parts[0].size() > kMaxValue || parts[2].size() > kMaxValue) return fail("bad m= line");
      m.port = *port;
      m.protocol = std::string(parts[2]);
      for (size_t i = 3; i < parts.size(); ++i) {
        if (parts[i].size() > kMaxValue || parts[i].find(' ') != std::string_view::npos) {
          return fail("bad or too long m= format list");
        }
        m.formats.emplace_back(parts[i]);
        if (const auto pt = toNumber<int>(parts[i], 0, 127); pt && !m.codec(*pt)) {
          SdpCodec codec;
          codec.payload_type = *pt;
          m.codecs.push_back(std::move(codec));
        }
      }
      sd.media.push_back(std::move(m));
      continue;
    }
    if (type != 'a') continue;  // o=, s=, t=, c=, b= ...: not needed
    const size_t colon = value.find(':');
    const std::string_view name = value.substr(0, colon);
    const std::string_view attribute_value =
        colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
    const std::string error = applyAttribute(name, attribute_value, colon != std::string_view::npos, session,
                                             sd.media.empty() ? nullptr : &sd.media.back(), sd);
    if (!error.empty()) return fail(error);
  }
  if (first) return Result::failure("sdp: empty");
  for (auto& m : sd.media) {
    if (m.ice_ufrag.empty()) m.ice_ufrag = session.ice_ufrag;
    if (m.ice_pwd.empty()) m.ice_pwd = session.ice_pwd;
    if (m.fingerprint.empty()) {
      m.fingerprint_algorithm = session.fingerprint_algorithm;
      m.fingerprint = session.fingerprint;
    }
    if (m.setup.empty()) m.setup = session.setup;
  }
  return Result::success(std::move(sd));
}

}  // namespace airclass::media::webrtc
