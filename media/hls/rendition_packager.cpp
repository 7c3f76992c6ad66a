#include "media/hls/rendition_packager.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "media/codec/aac_config.hpp"
#include "media/codec/h264_config.hpp"
#include "media/hls/fmp4_writer.hpp"
#include "media/hls/hls_store.hpp"
#include "media/hls/media_playlist.hpp"

namespace airclass::media::hls {
namespace log = common::log;

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
// A video segment still without a keyframe after this many segment durations (at least seconds) is closed.
constexpr int64_t kMaxSegmentFactor = 10;

// Nanoseconds to timescale ticks, rounded to the nearest tick, without overflow for any realistic timeline.
int64_t toTicks(int64_t ns, int64_t timescale) {
  const int64_t whole = ns / kNsPerSecond;
  const int64_t rest = ns % kNsPerSecond;
  return whole * timescale + (rest * timescale + kNsPerSecond / 2) / kNsPerSecond;
}

}  // namespace

struct RenditionPackager::Impl {
  struct OpenPart {
    std::vector<Fmp4Sample> samples;
    int64_t start_ticks = 0;
    bool independent = false;
  };
  struct Pending {
    EncodedFrame frame;
    int64_t ticks = 0;
  };

  HlsStore& store;
  std::string room;
  std::string name;
  TrackKind kind;
  HlsSettings settings;
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };

  // Codec configuration.
  bool have_config = false;
  VideoConfig video_config;
  AudioConfig audio_config;
  Fmp4Track track;
  int init_id = -1;
  std::map<int, Blob> inits;

  // Timeline.
  std::optional<int64_t> last_dts_ns;
  std::optional<std::pair<int64_t, int64_t>> wall_anchor;  // (dts ns, unix ms)
  int64_t last_duration_ticks = 0;
  std::optional<Pending> pending;

  // Output.
  std::vector<SegmentSnapshot> segments;  // complete segments in the window, oldest first
  std::optional<SegmentSnapshot> open;    // the segment being built
  std::string open_data;                  // its fragments so far
  int64_t open_start_ticks = 0;
  OpenPart part;
  uint64_t next_msn = 0;
  uint32_t fragment_sequence = 1;
  uint64_t discontinuity_sequence = 0;
  bool discontinuity_next = false;
  bool ended = false;
  int target_duration_s = 1;
  double part_target_s = 0;  // the configured target, raised to the longest part produced
  uint64_t generation = 0;

  log::RateLimit backwards_limit{std::chrono::seconds(5)};
  log::RateLimit drop_limit{std::chrono::seconds(5)};

  Impl(HlsStore& s, std::string r, std::string n, TrackKind k, HlsSettings st)
      : store(s), room(std::move(r)), name(std::move(n)), kind(k), settings(st) {
    target_duration_s = std::max(1, static_cast<int>(std::ceil(settings.segment_duration_s - 1e-9)));
    part_target_s = settings.part_duration_s;
  }

  int64_t timescale() const { return track.timescale; }
  double seconds(int64_t ticks) const { return static_cast<double>(ticks) / static_cast<double>(timescale()); }

  void warnDrop(log::RateLimit& limit, std::string_view what) {
    uint64_t suppressed = 0;
    if (!limit.allow(suppressed)) return;
    const std::string count = std::to_string(suppressed);
    log::warn("media", "hls", what, {{"room", room}, {"rendition", name}, {"suppressed", count}});
  }

  void installInit() {
    ++init_id;
    inits[init_id] = std::make_shared<const std::string>(writeInitSegment(track));
  }

  // Ends the current part at `end_ticks` (the next frame's dts); true when a part was produced.
  bool closePart(int64_t end_ticks) {
    if (part.samples.empty() || !open) return false;
    PartSnapshot snap;
    snap.duration_s = seconds(end_ticks - part.start_ticks);
    part_target_s = std::max(part_target_s, snap.duration_s);
    snap.independent = part.independent;
    auto bytes = writeFragment(track, fragment_sequence++, static_cast<uint64_t>(part.start_ticks), part.samples);
    open_data += bytes;
    snap.data = std::make_shared<const std::string>(std::move(bytes));
    open->parts.push_back(std::move(snap));
    part = OpenPart{};
    return true;
  }

  void closeSegment(int64_t end_ticks) {
    if (!open) return;
    if (open->parts.empty()) {  // nothing was written: the segment never existed
      open.reset();
      open_data.clear();
      return;
    }
    open->duration_s = seconds(end_ticks - open_start_ticks);
    open->data = std::make_shared<const std::string>(std::move(open_data));
    open_data = std::string();
    target_duration_s = std::max(target_duration_s, static_cast<int>(std::lround(open->duration_s)));
    segments.push_back(std::move(*open));
    open.reset();
    ++next_msn;
    trimWindow();
  }

  void trimWindow() {
    const size_t window = static_cast<size_t>(std::max(1, settings.window_segments));
    while (segments.size() > window) {
      if (segments.front().discontinuity) ++discontinuity_sequence;
      segments.erase(segments.begin());
    }
    // Parts stay fetchable for twice as long as the playlist lists them (3 target durations), then go.
    double from_end = 0;
    for (size_t i = segments.size(); i-- > 0;) {
      if (from_end > 6.0 * target_duration_s) segments[i].parts.clear();
      from_end += segments[i].duration_s;
    }
    // Init segments no window segment needs any more (the current one always stays).
    for (auto it = inits.begin(); it != inits.end();) {
      const int id = it->first;
      const bool used = id == init_id || std::any_of(segments.begin(), segments.end(),
                                                     [id](const SegmentSnapshot& s) { return s.init_id == id; });
      it = used ? std::next(it) : inits.erase(it);
    }
  }

  int64_t wallMs(int64_t dts_ns) {
    if (!wall_anchor) {
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(clock().time_since_epoch()).count();
      wall_anchor = std::make_pair(dts_ns, static_cast<int64_t>(now));
    }
    const int64_t delta = dts_ns - wall_anchor->first;
    return wall_anchor->second + (delta >= 0 ? (delta + 500'000) / 1'000'000 : delta / 1'000'000);
  }

  void startSegment(const Pending& first) {
    open = SegmentSnapshot{};
    open->msn = next_msn;
    open->discontinuity = discontinuity_next;
    open->init_id = init_id;
    open->program_date_ms = wallMs(first.frame.dts_ns);
    discontinuity_next = false;
    open_start_ticks = first.ticks;
    open_data.clear();
  }

  void startPart(const Pending& first) {
    part = OpenPart{};
    part.start_ticks = first.ticks;
    part.independent = kind == TrackKind::Audio || first.frame.keyframe;
  }

  void appendPending(int64_t duration_ticks) {
    Fmp4Sample sample;
    sample.duration = static_cast<uint32_t>(duration_ticks);
    const int64_t cts = toTicks(pending->frame.pts_ns, timescale()) - pending->ticks;
    sample.composition_offset = static_cast<int32_t>(std::clamp<int64_t>(cts, INT32_MIN, INT32_MAX));
    sample.sync = kind == TrackKind::Audio || pending->frame.keyframe;
    sample.data = pending->frame.data;
    part.samples.push_back(std::move(sample));
    last_duration_ticks = duration_ticks;
  }

  int64_t defaultDuration() const {
    return kind == TrackKind::Audio ? 1024 : timescale() / 30;  // an AAC frame; a 30 fps frame
  }

  // Closes everything open; the held-back frame gets the previous frame's duration.
  bool flush() {
    if (!pending) return false;
    const int64_t duration = last_duration_ticks > 0 ? last_duration_ticks : defaultDuration();
    const int64_t end = pending->ticks + duration;
    appendPending(duration);
    pending.reset();
    const bool produced = closePart(end);
    closeSegment(end);
    return produced;
  }

  // Where the open segment may end. Video: a segment duration after its start (the cut then waits for a
  // keyframe). Audio: the next multiple of the segment duration on the timeline, at least half a segment
  // away, so that audio segments line up with video segments cut at timeline-aligned keyframes and do
  // not drift by a frame per segment.
  int64_t segmentEnd(int64_t segment_ticks) const {
    if (kind == TrackKind::Video || segment_ticks <= 0) return open_start_ticks + segment_ticks;
    int64_t end = (open_start_ticks / segment_ticks + 1) * segment_ticks;
    if (end - open_start_ticks < segment_ticks / 2) end += segment_ticks;
    return end;
  }

  void push(const EncodedFrame& frame) {
    if (frame.kind != kind || !frame.data || ended) return;
    if (!have_config) {
      warnDrop(drop_limit, "frame before codec configuration dropped");
      return;
    }
    if (last_dts_ns && frame.dts_ns <= *last_dts_ns) {
      warnDrop(backwards_limit, "non-increasing dts dropped");
      return;
    }
    Pending next{frame, toTicks(frame.dts_ns, timescale())};
    if (next.ticks < 0) {
      warnDrop(backwards_limit, "negative dts dropped");
      return;
    }
    const bool sync = kind == TrackKind::Audio || frame.keyframe;
    const auto segment_ticks = static_cast<int64_t>(settings.segment_duration_s * static_cast<double>(timescale()));
    const int64_t bound_ticks = kMaxSegmentFactor * std::max<int64_t>(segment_ticks, timescale());
    if (pending && next.ticks - pending->ticks > bound_ticks) {
      // A jump forward far beyond any frame duration: a timeline break the room did not announce.
      warnDrop(drop_limit, "dts jumped forward: treated as a discontinuity");
      if (breakSegment()) publish();
    }
    if (!pending) {
      // Nothing open: a segment (and for video a GOP) starts here.
      if (!sync) return;
      last_dts_ns = frame.dts_ns;
      startSegment(next);
      startPart(next);
      pending = std::move(next);
      return;
    }
    if (!sync && next.ticks - open_start_ticks >= bound_ticks) {
      // No keyframe for far too long: close the segment (bounding memory) and wait for the next keyframe.
      warnDrop(drop_limit, "no keyframe within the segment bound: frames dropped until the next one");
      if (flush()) publish();
      return;
    }
    const int64_t duration = next.ticks - pending->ticks;
    if (duration <= 0) {  // two dts within one tick
      warnDrop(backwards_limit, "dts within one tick of the previous dropped");
      return;
    }
    last_dts_ns = frame.dts_ns;
    appendPending(duration);

    bool produced = false;
    const auto part_ticks = static_cast<int64_t>(settings.part_duration_s * static_cast<double>(timescale()));
    if (sync && next.ticks >= segmentEnd(segment_ticks)) {
      produced = closePart(next.ticks);
      closeSegment(next.ticks);
      startSegment(next);
      startPart(next);
    } else if (2 * (next.ticks - part.start_ticks) + last_duration_ticks >= 2 * part_ticks) {
      // The part has reached its target, to within half a frame: it ends before this frame.
      produced = closePart(next.ticks);
      startPart(next);
    }
    pending = std::move(next);
    if (produced) publish();
  }

  void publish() {
    auto snap = std::make_shared<RenditionSnapshot>();
    snap->name = name;
    snap->audio = kind == TrackKind::Audio;
    snap->inits = inits;
    snap->segments = segments;
    if (open) snap->segments.push_back(*open);
    snap->ended = ended;
    snap->generation = ++generation;
    snap->next_msn = open ? open->msn : next_msn;
    snap->next_part = open ? static_cast<int>(open->parts.size()) : 0;
    MediaPlaylistParams params;
    params.target_duration_s = target_duration_s;
    params.part_target_s = part_target_s;
    params.discontinuity_sequence = discontinuity_sequence;
    snap->playlist = std::make_shared<const std::string>(renderMediaPlaylist(*snap, params));
    store.publishRendition(room, std::move(snap));
  }

  // Closes what is open; the next segment starts with EXT-X-DISCONTINUITY. True when a part was produced.
  bool breakSegment() {
    const bool produced = flush();
    if (!segments.empty()) discontinuity_next = true;
    last_duration_ticks = 0;
    return produced;
  }
};

RenditionPackager::RenditionPackager(HlsStore& store, std::string room, std::string name, TrackKind kind,
                                     HlsSettings settings)
    : impl_(std::make_unique<Impl>(store, std::move(room), std::move(name), kind, settings)) {}

RenditionPackager::~RenditionPackager() = default;

void RenditionPackager::setVideoConfig(const VideoConfig& config) {
  auto& d = *impl_;
  if (d.kind != TrackKind::Video || (d.have_config && config == d.video_config)) return;
  auto parsed = codec::parseAvcDecoderConfig(config.avcc);
  if (!parsed) {
    log::warn("media", "hls", "video configuration rejected",
              {{"room", d.room}, {"rendition", d.name}, {"error", parsed.error()}});
    return;
  }
  if (d.have_config && d.breakSegment()) d.publish();
  d.video_config = config;
  d.have_config = true;
  d.track = Fmp4Track{};
  d.track.kind = TrackKind::Video;
  d.track.timescale = 90000;
  d.track.width = parsed->sps.width;
  d.track.height = parsed->sps.height;
  d.track.avcc = config.avcc;
  d.track.avcc[4] |= 0x03;  // samples carry 4-byte NAL lengths (EncodedFrame's contract), whatever the source said
  d.installInit();
}

void RenditionPackager::setAudioConfig(const AudioConfig& config) {
  auto& d = *impl_;
  if (d.kind != TrackKind::Audio || (d.have_config && config == d.audio_config)) return;
  auto parsed = codec::parseAudioSpecificConfig(config.asc);
  if (!parsed) {
    log::warn("media", "hls", "audio configuration rejected",
              {{"room", d.room}, {"rendition", d.name}, {"error", parsed.error()}});
    return;
  }
  if (d.have_config && d.breakSegment()) d.publish();
  d.audio_config = config;
  d.have_config = true;
  d.track = Fmp4Track{};
  d.track.kind = TrackKind::Audio;
  d.track.timescale = static_cast<uint32_t>(parsed->sample_rate);
  d.track.sample_rate = parsed->sample_rate;
  d.track.channels = parsed->channels;
  d.track.asc = config.asc;
  d.installInit();
}

void RenditionPackager::push(const EncodedFrame& frame) { impl_->push(frame); }

void RenditionPackager::discontinuity() {
  auto& d = *impl_;
  const bool produced = d.breakSegment();
  d.last_dts_ns.reset();  // the new timeline may start anywhere
  d.wall_anchor.reset();
  if (produced) d.publish();
}

void RenditionPackager::finish() {
  auto& d = *impl_;
  if (d.ended) return;
  d.flush();
  d.ended = true;
  d.publish();
}

void RenditionPackager::setWallClock(std::function<std::chrono::system_clock::time_point()> clock) {
  impl_->clock = std::move(clock);
}

}  // namespace airclass::media::hls
