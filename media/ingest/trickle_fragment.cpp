#include "media/ingest/trickle_fragment.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/error.hpp"

namespace airclass::media::ingest {
namespace {

using common::Error;
using common::ErrorCode;

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorCode::BadRequest, "trickle fragment: " + what); }

bool digits(std::string_view text, size_t max) {
  return !text.empty() && text.size() <= max &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/".
bool iceChars(std::string_view text, size_t min, size_t max) {
  return text.size() >= min && text.size() <= max && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
         });
}

// A line of visible ASCII and spaces (no control bytes, nothing past 0x7e).
bool printable(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// RFC 8839 candidate-attribute: "candidate:" foundation component transport priority address port "typ" type
// [extensions]. Checked for shape only: libnice reads the values.
bool validCandidate(std::string_view value) {
  constexpr std::string_view kPrefix = "candidate:";
  if (value.substr(0, kPrefix.size()) != kPrefix) return false;
  value.remove_prefix(kPrefix.size());
  std::vector<std::string_view> fields;
  while (!value.empty() && fields.size() < 8) {
    const size_t space = value.find(' ');
    fields.push_back(value.substr(0, space));
    if (fields.back().empty()) return false;
    value = space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  }
  if (fields.size() < 8) return false;
  const int port = digits(fields[5], 5) ? std::stoi(std::string(fields[5])) : -1;
  return iceChars(fields[0], 1, 32) && digits(fields[1], 3) && digits(fields[3], 10) && port >= 0 &&
         port <= 65535 && fields[6] == "typ";
}

// Keeps the first value of a credential and refuses a different one later (one ICE session per fragment).
void setCredential(std::string& slot, std::string_view value, const char* name, size_t min) {
  if (!iceChars(value, min, TrickleFragment::kMaxValue)) {
    refuse(std::string("bad a=") + name + " (" + std::to_string(min) + "-256 of A-Z a-z 0-9 + /)");
  }
  if (!slot.empty() && slot != value) refuse(std::string("two different a=") + name + " values");
  slot = std::string(value);
}

}  // namespace

TrickleFragment TrickleFragment::parse(std::string_view body) {
  if (body.size() > kMaxSize) refuse("larger than " + std::to_string(kMaxSize) + " bytes");
  TrickleFragment out;
  bool session_end = false;
  size_t candidates = 0;
  size_t line_number = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(line_number);
    if (line.size() > kMaxLine) refuse(where + " is longer than " + std::to_string(kMaxLine) + " bytes");
    if (line.size() < 2 || line[1] != '=' || !std::islower(static_cast<unsigned char>(line[0])) || !printable(line)) {
      refuse(where + " is not an SDP line (x=value)");
    }
    Media* media = out.media.empty() ? nullptr : &out.media.back();
    if (line[0] == 'm') {
      if (out.media.size() >= kMaxMedia) refuse("more than " + std::to_string(kMaxMedia) + " m= sections");
      out.media.emplace_back();
      continue;
    }
    if (line[0] != 'a') continue;
    const std::string_view attribute = line.substr(2);
    const size_t colon = attribute.find(':');
    const std::string_view name = attribute.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : attribute.substr(colon + 1);
    if (name == "ice-ufrag") {
      setCredential(out.ice_ufrag, value, "ice-ufrag", 4);
    } else if (name == "ice-pwd") {
      setCredential(out.ice_pwd, value, "ice-pwd", 22);
    } else if (name == "end-of-candidates") {
      (media ? media->end_of_candidates : session_end) = true;
    } else if (name == "mid") {
      if (!media) refuse(where + ": a=mid outside an m= section");
      if (!media->mid.empty()) refuse(where + ": a second a=mid in one m= section");
      if (value.empty() || value.size() > kMaxValue || value.find(' ') != std::string_view::npos) {
        refuse(where + ": bad a=mid");
      }
      media->mid = std::string(value);
    } else if (name == "candidate") {
      if (!media) refuse(where + ": a=candidate outside an m= section");
      if (++candidates > kMaxCandidates) refuse("more than " + std::to_string(kMaxCandidates) + " candidates");
      if (!validCandidate(attribute)) refuse(where + ": malformed a=candidate");
      media->candidates.emplace_back(attribute);
    }
  }
  if (out.ice_ufrag.empty() || out.ice_pwd.empty()) refuse("a=ice-ufrag and a=ice-pwd are required");
  for (Media& m : out.media) {
    if (m.mid.empty()) refuse("an m= section without a=mid");
    if (session_end) m.end_of_candidates = true;
    for (const Media& other : out.media) {
      if (&other != &m && other.mid == m.mid) refuse("two m= sections with a=mid:" + m.mid);
    }
  }
  return out;
}

}  // namespace airclass::media::ingest
