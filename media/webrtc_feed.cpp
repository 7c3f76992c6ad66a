#include "media/webrtc_feed.hpp"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "media/codec/h264_config.hpp"

namespace airclass::media {
namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "rtp";
constexpr int kOpusBandwidthBps = 96'000;  // announced only; the fan-out uses it to budget a viewer's rung

}  // namespace

WebrtcFeed::WebrtcFeed(webrtc::FanoutInput& fanout, std::string room, Clock clock)
    : fanout_(fanout), room_(std::move(room)), random_(std::random_device{}()), clock_(std::move(clock)) {}

int64_t WebrtcFeed::steadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WebrtcFeed::RtpClock::map(int64_t pts_ns, int64_t arrival_ns) {
  if (last_pts_ns) {
    const int64_t late = (arrival_ns - last_arrival_ns) - (pts_ns - *last_pts_ns);
    if (late > kOutageNs) shift_ns += late;
  }
  last_pts_ns = pts_ns;
  last_arrival_ns = arrival_ns;
  return pts_ns + shift_ns;
}

WebrtcFeed::~WebrtcFeed() { end(); }

uint32_t WebrtcFeed::newSsrc() {
  for (;;) {
    const uint32_t ssrc = static_cast<uint32_t>(random_());
    if (ssrc == 0) continue;
    const bool taken = (audio_ && audio_->ssrc == ssrc) ||
                       std::any_of(video_.begin(), video_.end(), [&](const auto& v) { return v.second.info.ssrc == ssrc; });
    if (!taken) return ssrc;
  }
}

void WebrtcFeed::setVideo(const std::string& rendition, const VideoConfig& config, int bandwidth_bps) {
  if (ended_) return;
  auto parsed = codec::parseAvcDecoderConfig(config.avcc);
  if (!parsed) {
    common::log::warn(kComponent, kTopic, "rendition left out of WebRTC: unusable H.264 config",
                      {{"room", room_}, {"rendition", rendition}, {"error", parsed.error()}});
    removeVideo(rendition);
    return;
  }
  auto it = video_.find(rendition);
  const bool created = it == video_.end();
  if (created) {
    VideoTrack track;
    track.info.rendition = rendition;
    track.info.ssrc = newSsrc();
    track.info.payload_type = kH264PayloadType;
    track.info.clock_rate = 90000;
    webrtc::H264PacketizerSettings settings;
    settings.ssrc = track.info.ssrc;
    settings.payload_type = kH264PayloadType;
    settings.first_sequence = static_cast<uint16_t>(random_());
    settings.first_timestamp = static_cast<uint32_t>(random_());
    track.packetizer = std::make_unique<webrtc::H264Packetizer>(settings);
    it = video_.emplace(rendition, std::move(track)).first;
  }
  VideoTrack& track = it->second;
  track.packetizer->setParameterSets(parsed->sps_nals, parsed->pps_nals);
  const bool was_left_out = std::exchange(track.reordered, false);
  track.last_pts_ns.reset();
  const webrtc::TrackInfo before = track.info;
  track.info.width = config.width > 0 ? config.width : parsed->sps.width;
  track.info.height = config.height > 0 ? config.height : parsed->sps.height;
  track.info.bandwidth_bps = bandwidth_bps;
  if (created || was_left_out || before.width != track.info.width || before.height != track.info.height ||
      before.bandwidth_bps != track.info.bandwidth_bps) {
    announce();
  }
}

void WebrtcFeed::removeVideo(const std::string& rendition) {
  if (video_.erase(rendition) > 0) announce();
}

void WebrtcFeed::pushVideo(const std::string& rendition, const EncodedFrame& frame) {
  auto it = video_.find(rendition);
  if (ended_ || it == video_.end() || it->second.reordered || !frame.data) return;
  VideoTrack& track = it->second;
  if (track.last_pts_ns && frame.pts_ns < *track.last_pts_ns) {
    common::log::warn(kComponent, kTopic, "rendition left out of WebRTC: reordered frames (B-frames)",
                      {{"room", room_}, {"rendition", rendition}});
    track.reordered = true;
    announce();
    return;
  }
  track.last_pts_ns = frame.pts_ns;
  const int64_t rtp_pts_ns = track.clock.map(frame.pts_ns, clock_());
  auto out = std::make_shared<webrtc::RtpFrame>();
  if (!track.packetizer->packetize(*frame.data, rtp_pts_ns, frame.keyframe, out->packets)) {
    uint64_t suppressed = 0;
    if (warn_limit_.allow(suppressed)) {
      common::log::warn(kComponent, kTopic, "malformed access unit not packetized",
                        {{"room", room_}, {"rendition", rendition}, {"suppressed", std::to_string(suppressed)}});
    }
    return;
  }
  out->keyframe = frame.keyframe;
  out->pts_ns = rtp_pts_ns;
  fanout_.publish(room_, rendition, std::move(out));
}

void WebrtcFeed::pushOpus(const EncodedFrame& frame) {
  if (ended_ || !frame.data) return;
  if (!audio_) {
    webrtc::TrackInfo info;
    info.rendition = kAudioRendition;
    info.ssrc = newSsrc();
    info.payload_type = kOpusPayloadType;
    info.clock_rate = 48000;
    info.bandwidth_bps = kOpusBandwidthBps;
    webrtc::OpusPacketizerSettings settings;
    settings.ssrc = info.ssrc;
    settings.payload_type = kOpusPayloadType;
    settings.first_sequence = static_cast<uint16_t>(random_());
    settings.first_timestamp = static_cast<uint32_t>(random_());
    opus_ = std::make_unique<webrtc::OpusPacketizer>(settings);
    audio_ = info;
    announce();
  }
  const int64_t rtp_pts_ns = audio_clock_.map(frame.pts_ns, clock_());
  auto packet = opus_->packetize(*frame.data, rtp_pts_ns);
  if (!packet) return;
  auto out = std::make_shared<webrtc::RtpFrame>();
  out->packets.push_back(std::move(packet));
  out->keyframe = true;
  out->pts_ns = rtp_pts_ns;
  fanout_.publish(room_, kAudioRendition, std::move(out));
}

void WebrtcFeed::removeAudio() {
  if (!audio_) return;
  audio_.reset();
  opus_.reset();
  announce();
}

void WebrtcFeed::announce() {
  if (ended_) return;
  webrtc::RoomTracks tracks;
  for (const auto& [name, track] : video_) {
    if (!track.reordered) tracks.video.push_back(track.info);
  }
  std::stable_sort(tracks.video.begin(), tracks.video.end(),
                   [](const webrtc::TrackInfo& a, const webrtc::TrackInfo& b) { return a.bandwidth_bps < b.bandwidth_bps; });
  tracks.audio = audio_;
  std::string names;
  for (const auto& v : tracks.video) names += (names.empty() ? "" : ",") + v.rendition;
  common::log::info(kComponent, kTopic, "WebRTC tracks", {{"room", room_}, {"video", names}, {"audio", audio_ ? "opus" : "none"}});
  fanout_.setRoomTracks(room_, std::move(tracks));
  announced_ = true;
}

void WebrtcFeed::end() {
  if (ended_) return;
  ended_ = true;
  if (announced_) fanout_.endRoom(room_);
}

}  // namespace airclass::media
