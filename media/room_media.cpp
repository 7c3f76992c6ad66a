#include "media/room_media.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "common/error.hpp"
#include "media/codec/aac_config.hpp"
#include "media/codec/h264_config.hpp"
#include "media/hls/hls_settings.hpp"
#include "media/hls/hls_store.hpp"
#include "media/hls/master_playlist.hpp"
#include "media/hls/rendition_packager.hpp"
#include "media/webrtc_feed.hpp"

namespace airclass::media {

namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "room";
constexpr const char* kSourceName = "source";
constexpr const char* kAudioName = "audio";
constexpr const char* kAudioCodecs = "mp4a.40.2";  // avenc_aac: AAC-LC

size_t track(TrackKind kind) { return kind == TrackKind::Video ? 0 : 1; }

// The passthrough's peak bandwidth is not known up front: about 0.1 bit per pixel at 30 fps.
int estimateSourceBps(int width, int height) {
  return static_cast<int>(std::min<int64_t>(int64_t{width} * height * 3, 50'000'000));
}

std::string videoCodecs(const VideoConfig& config) {
  auto parsed = codec::parseAvcDecoderConfig(config.avcc);
  return parsed ? parsed->codecs : "avc1.64001f";
}

}  // namespace

RoomMedia::RoomMedia(boost::asio::io_context& loop, const common::Config& config, hls::HlsStore& store,
                     std::string room, std::function<void()> on_change, webrtc::FanoutInput* fanout)
    : loop_(loop), config_(config), store_(store), room_(std::move(room)), on_change_(std::move(on_change)) {
  audio_ = makePackager(kAudioName, TrackKind::Audio);
  if (fanout) webrtc_ = std::make_unique<WebrtcFeed>(*fanout, room_);
}

RoomMedia::~RoomMedia() = default;

std::unique_ptr<hls::RenditionPackager> RoomMedia::makePackager(const std::string& name, TrackKind kind) {
  hls::HlsSettings settings;
  settings.segment_duration_s = config_.hls.segment_duration_s;
  settings.part_duration_s = config_.hls.part_duration_s;
  settings.window_segments = config_.hls.window_segments;
  return std::make_unique<hls::RenditionPackager>(store_, room_, name, kind, settings);
}

void RoomMedia::warnDropped(const char* message, TrackKind kind) {
  ++dropped_frames_;
  uint64_t suppressed = 0;
  if (!warn_limit_.allow(suppressed)) return;
  common::log::warn(kComponent, kTopic, message,
                    {{"room", room_}, {"track", kind == TrackKind::Video ? "video" : "audio"},
                     {"suppressed", std::to_string(suppressed)}});
}

void RoomMedia::beginPublication() {
  offset_ns_.reset();
  wait_keyframe_ = true;
  publisher_video_config_ = false;
  publisher_audio_config_ = false;
}

void RoomMedia::onVideoConfig(const VideoConfig& config) {
  auto parsed = codec::parseAvcDecoderConfig(config.avcc);
  if (!parsed) {
    throw common::Error(common::ErrorCode::Unsupported,
                        "room " + room_ + ": video is not usable H.264: " + parsed.error());
  }
  const auto& sps = parsed->sps;
  if (sps.chroma_format_idc != 1 || sps.bit_depth_luma != 8) {
    throw common::Error(common::ErrorCode::Unsupported,
                        "room " + room_ + ": H.264 must be 8-bit 4:2:0 (profile " +
                            std::to_string(sps.profile_idc) + ")");
  }
  if (sps.width <= 0 || sps.height <= 0) {
    throw common::Error(common::ErrorCode::Unsupported, "room " + room_ + ": H.264 picture size is zero");
  }
  if (sps.width > config_.ingest.max_width || sps.height > config_.ingest.max_height) {
    throw common::Error(common::ErrorCode::TooLarge,
                        "room " + room_ + ": resolution " + std::to_string(sps.width) + "x" +
                            std::to_string(sps.height) + " is over the limit " +
                            std::to_string(config_.ingest.max_width) + "x" +
                            std::to_string(config_.ingest.max_height));
  }
  VideoConfig checked = config;
  checked.width = sps.width;  // the SPS is the truth, whatever the ingest read from its container
  checked.height = sps.height;
  publisher_video_config_ = true;
  if (finished_) return;
  if (!video_config_) {
    startVideo(checked);
    return;
  }
  if (*video_config_ == checked) return;
  common::log::info(kComponent, kTopic, "source video configuration changed",
                    {{"room", room_}, {"size", std::to_string(sps.width) + "x" + std::to_string(sps.height)},
                     {"codecs", parsed->codecs}});
  video_config_ = checked;
  wait_keyframe_ = true;
  if (source_) source_->setVideoConfig(checked);  // new init segment + discontinuity
  if (source_ && webrtc_) webrtc_->setVideo(kSourceName, checked, estimateSourceBps(checked.width, checked.height));
  if (ladder_) ladder_->setVideoConfig(checked);  // rungs keep their size
  if (master_published_) {
    master_published_ = false;
    maybePublishMaster();
  }
}

void RoomMedia::startVideo(const VideoConfig& config) {
  video_config_ = config;
  if (config_.transcode.passthrough) {
    source_ = makePackager(kSourceName, TrackKind::Video);
    source_->setVideoConfig(config);
    if (webrtc_) webrtc_->setVideo(kSourceName, config, estimateSourceBps(config.width, config.height));
  }
  const auto settings = pipeline::LadderSettings::fromConfig(config_.transcode);
  auto plan = pipeline::Ladder::plan(settings, config.width, config.height, !config_.transcode.passthrough);
  try {  // even with no rung to encode, the ladder carries the audio
    ladder_ = std::make_unique<pipeline::Ladder>(loop_, room_, settings, plan, config,
                                                 static_cast<pipeline::LadderListener&>(*this));
    if (audio_config_) ladder_->setAudioConfig(*audio_config_);
  } catch (const common::Error& e) {
    common::log::error(kComponent, kTopic, "transcoder unavailable", {{"room", room_}, {"error", e.what()}});
    if (!source_) throw common::Error(common::ErrorCode::Internal, "room " + room_ + ": " + e.what());
    plan.clear();
  }
  for (auto& p : plan) {
    Rung rung;
    rung.packager = makePackager(p.name, TrackKind::Video);
    rung.plan = std::move(p);
    rungs_.push_back(std::move(rung));
  }
  maybePublishMaster();
}

void RoomMedia::onAudioConfig(const AudioConfig& config) {
  auto parsed = codec::parseAudioSpecificConfig(config.asc);
  if (!parsed) {
    throw common::Error(common::ErrorCode::Unsupported, "room " + room_ + ": audio is not usable AAC: " + parsed.error());
  }
  publisher_audio_config_ = true;
  if (finished_ || (audio_config_ && *audio_config_ == config)) return;
  audio_config_ = config;
  if (ladder_) ladder_->setAudioConfig(config);  // the decoder reconfigures; the output stays 48 kHz stereo
}

void RoomMedia::onFrame(const EncodedFrame& frame) {
  if (finished_ || !frame.data) return;
  const bool video = frame.kind == TrackKind::Video;
  if (video ? !publisher_video_config_ : !publisher_audio_config_) {
    warnDropped("frame before its codec configuration dropped", frame.kind);
    return;
  }
  if (!offset_ns_) {
    offset_ns_ = end_ns_ - frame.dts_ns;
    common::log::info(kComponent, kTopic, "publisher timeline mapped",
                      {{"room", room_}, {"offset_ns", std::to_string(*offset_ns_)}});
  }
  EncodedFrame mapped = frame;
  mapped.pts_ns += *offset_ns_;
  mapped.dts_ns += *offset_ns_;
  auto& last = last_dts_[track(frame.kind)];
  if (mapped.dts_ns < 0 || mapped.pts_ns < 0 || (last && mapped.dts_ns <= *last)) {
    warnDropped("frame going backwards on the broadcast timeline dropped", frame.kind);
    return;
  }
  if (video && wait_keyframe_) {
    if (!mapped.keyframe) return;  // a decoder (and a segment) starts at a keyframe
    wait_keyframe_ = false;
  }
  if (last) last_step_ns_[track(frame.kind)] = std::clamp<int64_t>(mapped.dts_ns - *last, 1'000'000, 100'000'000);
  last = mapped.dts_ns;
  end_ns_ = std::max(end_ns_, mapped.dts_ns + last_step_ns_[track(frame.kind)]);

  if (video) {
    if (source_) source_->push(mapped);
    if (source_ && webrtc_) webrtc_->pushVideo(kSourceName, mapped);
    if (ladder_) ladder_->pushVideo(mapped);
  } else if (ladder_) {
    ladder_->pushAudio(mapped);
  }
}

void RoomMedia::finish() {
  if (finished_) return;
  finished_ = true;
  ladder_.reset();  // stops the pipeline; what it still held is not packaged
  if (source_) source_->finish();
  for (auto& rung : rungs_) rung.packager->finish();
  audio_->finish();
  if (webrtc_) webrtc_->end();
  common::log::info(kComponent, kTopic, "broadcast finished", {{"room", room_}});
}

void RoomMedia::requestKeyframe(const std::string& rendition) {
  if (finished_) return;
  if (rendition == kSourceName) {
    common::log::debug(kComponent, kTopic, "keyframe request for the passthrough source ignored",
                       {{"room", room_}});
    return;
  }
  if (ladder_) ladder_->requestKeyframe();
}

std::vector<RenditionSummary> RoomMedia::renditions() const {
  std::vector<RenditionSummary> out;
  const int audio_bps = config_.transcode.audio_kbps * 1000;
  if (source_ && video_config_) {
    out.push_back({kSourceName, video_config_->width, video_config_->height,
                   estimateSourceBps(video_config_->width, video_config_->height) + audio_bps});
  }
  for (const auto& rung : rungs_) {
    out.push_back({rung.plan.name, rung.plan.width, rung.plan.height, rung.plan.video_kbps * 1000 + audio_bps});
  }
  return out;
}

void RoomMedia::maybePublishMaster() {
  if (master_published_ || finished_ || !video_config_) return;
  std::vector<hls::VariantInfo> variants;
  for (const auto& rendition : renditions()) {
    hls::VariantInfo v;
    v.name = rendition.name;
    v.bandwidth_bps = rendition.bandwidth_bps;
    v.width = rendition.width;
    v.height = rendition.height;
    if (rendition.name == kSourceName) {
      v.codecs = videoCodecs(*video_config_);
    } else {
      auto it = std::find_if(rungs_.begin(), rungs_.end(), [&](const Rung& r) { return r.plan.name == v.name; });
      if (it == rungs_.end() || !it->config) return;  // wait for every encoder's first output
      v.codecs = videoCodecs(*it->config);
      v.width = it->config->width > 0 ? it->config->width : v.width;
      v.height = it->config->height > 0 ? it->config->height : v.height;
    }
    v.codecs += std::string(",") + kAudioCodecs;
    variants.push_back(std::move(v));
  }
  if (variants.empty()) return;
  hls::AudioInfo audio;
  audio.name = kAudioName;
  audio.codecs = kAudioCodecs;
  store_.publishMaster(room_, std::make_shared<const std::string>(hls::renderMaster(variants, audio)));
  master_published_ = true;
  common::log::info(kComponent, kTopic, "master playlist published",
                    {{"room", room_}, {"variants", std::to_string(variants.size())}});
  if (on_change_) on_change_();
}

void RoomMedia::onRungConfig(size_t rung, const VideoConfig& config) {
  if (rung >= rungs_.size()) return;
  rungs_[rung].config = config;
  rungs_[rung].packager->setVideoConfig(config);
  if (webrtc_) webrtc_->setVideo(rungs_[rung].plan.name, config, rungs_[rung].plan.video_kbps * 1000);
  maybePublishMaster();
}

void RoomMedia::onRungFrame(size_t rung, const EncodedFrame& frame) {
  if (rung >= rungs_.size()) return;
  rungs_[rung].packager->push(frame);
  if (webrtc_) webrtc_->pushVideo(rungs_[rung].plan.name, frame);
}

void RoomMedia::onEncodedAudioConfig(const AudioConfig& config) { audio_->setAudioConfig(config); }

void RoomMedia::onEncodedAudioFrame(const EncodedFrame& frame) { audio_->push(frame); }

void RoomMedia::onOpusFrame(const EncodedFrame& frame) {
  if (webrtc_) webrtc_->pushOpus(frame);
}

void RoomMedia::onLadderError(const std::string& message) {
  common::log::error(kComponent, kTopic, "transcoder failed; the passthrough continues",
                     {{"room", room_}, {"error", message}});
  for (auto& rung : rungs_) rung.packager->finish();
  audio_->finish();
  if (webrtc_) {
    for (const auto& rung : rungs_) webrtc_->removeVideo(rung.plan.name);
    webrtc_->removeAudio();
  }
  // Never destroy the ladder inside its own callback: at the end of this loop turn.
  boost::asio::post(loop_, [dead = std::move(ladder_)]() mutable { dead.reset(); });
}

}  // namespace airclass::media
