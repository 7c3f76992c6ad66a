#include "media/pipeline/ladder.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <optional>
#include <sstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "media/pipeline/gst_frames.hpp"
#include "media/pipeline/gst_ptr.hpp"

namespace airclass::media::pipeline {

namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "ladder";

// Bounds. Input: compressed bytes waiting in an appsrc (several seconds of a high-bitrate source).
// Rungs: decoded frames waiting for a slow encoder (leaky: a slow rung drops frames, never stalls the others).
// Output: frames posted to the media loop and not yet handled (over it, each rung waits for its next keyframe).
constexpr guint64 kMaxInputBytes = 16 * 1024 * 1024;
constexpr int kRungQueueFrames = 30;
constexpr int kMaxPendingFrames = 600;
// Safety net only: the aligned keyframes come from force-key-unit events.
constexpr int kKeyIntMax = 600;
// Sink ids of the audio appsinks (rungs are 0, 1, ...).
constexpr int kAacSink = -1;
constexpr int kOpusSink = -2;

constexpr std::array<const char*, 10> kPresets{"ultrafast", "superfast", "veryfast", "faster", "fast",
                                               "medium",    "slow",      "slower",   "veryslow", "placebo"};

int evenDown(int v) { return std::max(2, v - v % 2); }

}  // namespace

LadderSettings LadderSettings::fromConfig(const common::Config::Transcode& transcode) {
  LadderSettings s;
  s.rungs = transcode.ladder;
  s.audio_kbps = transcode.audio_kbps;
  s.keyframe_interval_s = transcode.keyframe_interval_s;
  s.x264_preset = transcode.x264_preset;
  return s;
}

std::vector<RungPlan> Ladder::plan(const LadderSettings& settings, int source_width, int source_height,
                                   bool keep_one) {
  std::vector<RungPlan> out;
  if (source_width <= 0 || source_height <= 0) return out;
  auto make = [&](const common::LadderRung& rung, int height) {
    RungPlan p;
    p.name = rung.name;
    p.height = evenDown(height);
    const double width = static_cast<double>(p.height) * source_width / source_height;
    p.width = std::max(2, static_cast<int>(std::lround(width / 2.0)) * 2);
    p.video_kbps = rung.video_kbps;
    return p;
  };
  const common::LadderRung* smallest = nullptr;
  for (const auto& rung : settings.rungs) {
    if (rung.height <= 0) continue;
    if (!smallest || rung.height < smallest->height) smallest = &rung;
    if (rung.height <= source_height) out.push_back(make(rung, rung.height));
  }
  if (out.empty() && keep_one && smallest) out.push_back(make(*smallest, source_height));
  return out;
}

// State shared with GStreamer's threads. The streaming threads only read the immutable fields, touch the
// atomics and their own sink/probe state, and post to the loop; everything else is loop-only.
struct Ladder::Shared : std::enable_shared_from_this<Ladder::Shared> {
  struct Sink {
    Shared* shared = nullptr;
    int rung = -1;       // kAacSink, kOpusSink, or the rung index
    SinkReader reader;   // streaming thread of this sink
  };

  Shared(boost::asio::io_context& io, std::string room_name, LadderListener& l)
      : loop(io), room(std::move(room_name)), listener(&l) {}

  boost::asio::io_context& loop;
  const std::string room;
  LadderListener* listener;  // loop only; null once failed
  GstPipelinePtr pipeline;   // loop only (owner)
  GstElement* video_src = nullptr;
  GstElement* audio_src = nullptr;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::atomic<int> pending{0};
  common::log::RateLimit drop_log{std::chrono::seconds(5)};

  // Keyframe alignment (the decoder's streaming thread only, except the request flag).
  std::atomic<bool> key_requested{false};
  uint64_t key_interval_ns = 1'000'000'000;
  bool key_started = false;
  uint64_t next_key_slot = 0;
  guint key_count = 0;

  void fail(const std::string& message) {  // loop
    if (!listener) return;
    common::log::error(kComponent, kTopic, "ladder failed", {{"room", room}, {"error", message}});
    LadderListener* l = listener;
    listener = nullptr;
    l->onLadderError(message);
  }
};

namespace {

// Before the tee: when a frame's pts enters a new keyframe interval, every encoder is told to cut there.
GstPadProbeReturn keyframeProbe(GstPad* pad, GstPadProbeInfo* info, gpointer user) {
  auto* shared = static_cast<Ladder::Shared*>(user);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer || !GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const uint64_t slot = pts / shared->key_interval_ns;
  if (!shared->key_started) {  // the encoders start with a keyframe anyway
    shared->key_started = true;
    shared->next_key_slot = slot + 1;
    shared->key_requested.store(false, std::memory_order_relaxed);
    return GST_PAD_PROBE_OK;
  }
  const bool requested = shared->key_requested.exchange(false, std::memory_order_relaxed);
  if (slot < shared->next_key_slot && !requested) return GST_PAD_PROBE_OK;
  shared->next_key_slot = slot + 1;
  GstClockTime running_time = pts;
  if (GstEvent* segment_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0)) {
    const GstSegment* segment = nullptr;
    gst_event_parse_segment(segment_event, &segment);
    const GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, pts);
    if (GST_CLOCK_TIME_IS_VALID(rt)) running_time = rt;
    gst_event_unref(segment_event);
  }
  // Serialized: it reaches each encoder just before this frame, whatever the queues hold.
  gst_pad_send_event(pad, gst_video_event_new_downstream_force_key_unit(pts, GST_CLOCK_TIME_NONE, running_time,
                                                                       TRUE, ++shared->key_count));
  return GST_PAD_PROBE_OK;
}

GstFlowReturn onNewSample(GstAppSink* appsink, gpointer user) {
  auto* sink = static_cast<Ladder::Shared::Sink*>(user);
  Ladder::Shared* shared = sink->shared;
  GstSamplePtr sample(gst_app_sink_pull_sample(appsink));
  if (!sample) return GST_FLOW_FLUSHING;
  auto [video_config, audio_config, frame, dropped] =
      sink->reader.read(sample.get(), shared->pending.load(std::memory_order_relaxed), kMaxPendingFrames);
  uint64_t suppressed = 0;
  if (dropped && shared->drop_log.allow(suppressed)) {
    common::log::warn(kComponent, kTopic, "media loop behind, dropping ladder output until a keyframe",
                      {{"room", shared->room}, {"suppressed", std::to_string(suppressed)}});
  }
  if (!frame && !video_config && !audio_config) return GST_FLOW_OK;
  if (frame) shared->pending.fetch_add(1, std::memory_order_relaxed);

  boost::asio::post(shared->loop, [weak = shared->weak_from_this(), rung = sink->rung, video_config = std::move(video_config),
                                   audio_config = std::move(audio_config),
                                   frame = std::move(frame)] {
    auto s = weak.lock();
    if (!s) return;
    if (frame) s->pending.fetch_sub(1, std::memory_order_relaxed);
    if (!s->listener) return;
    if (rung == kOpusSink) {
      if (frame) s->listener->onOpusFrame(*frame);
    } else if (rung == kAacSink) {
      if (audio_config) s->listener->onEncodedAudioConfig(*audio_config);
      if (frame && s->listener) s->listener->onEncodedAudioFrame(*frame);
    } else {
      const auto index = static_cast<size_t>(rung);
      if (video_config) s->listener->onRungConfig(index, *video_config);
      if (frame && s->listener) s->listener->onRungFrame(index, *frame);
    }
  });
  return GST_FLOW_OK;
}

// Any thread that posts a message: errors go to the loop; everything is dropped (nobody pops this bus).
GstBusSyncReply onBusMessage(GstBus*, GstMessage* message, gpointer user) {
  auto* shared = static_cast<Ladder::Shared*>(user);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
    if (is_error) {
      gst_message_parse_error(message, &error, &debug);
    } else {
      gst_message_parse_warning(message, &error, &debug);
    }
    std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " +
                       (error ? error->message : "unknown error");
    const std::string details = debug ? debug : "";
    if (error) g_error_free(error);
    g_free(debug);
    if (is_error) {
      common::log::debug(kComponent, kTopic, "pipeline error details", {{"room", shared->room}, {"debug", details}});
      boost::asio::post(shared->loop, [weak = shared->weak_from_this(), text] {
        if (auto s = weak.lock()) s->fail(text);
      });
    } else {
      common::log::warn(kComponent, kTopic, "pipeline warning", {{"room", shared->room}, {"warning", text}});
    }
  }
  return GST_BUS_DROP;
}

std::string pipelineDescription(const LadderSettings& settings, const std::vector<RungPlan>& rungs) {
  std::ostringstream d;
  if (!rungs.empty()) {
    d << "appsrc name=vsrc format=time is-live=true do-timestamp=false block=false ! h264parse ! "
         "avdec_h264 name=vdec ! tee name=vtee ";
    for (size_t i = 0; i < rungs.size(); ++i) {
      const auto& r = rungs[i];
      d << "vtee. ! queue leaky=downstream max-size-buffers=" << kRungQueueFrames
        << " max-size-bytes=0 max-size-time=0 ! videoscale add-borders=true ! "
        << "video/x-raw,width=" << r.width << ",height=" << r.height << ",pixel-aspect-ratio=1/1 ! "
        << "x264enc tune=zerolatency speed-preset=" << settings.x264_preset << " bitrate=" << r.video_kbps
        << " bframes=0 key-int-max=" << kKeyIntMax
        << " option-string=scenecut=0 ! h264parse ! "
        << "appsink name=rung" << i
        << " caps=\"video/x-h264,stream-format=avc,alignment=au\" sync=false async=false max-buffers=8 drop=false ";
    }
  }
  // The audio is decoded and resampled once, then encoded twice: AAC for HLS, Opus for WebRTC.
  d << "appsrc name=asrc format=time is-live=true do-timestamp=false block=false ! avdec_aac ! audioconvert ! "
       "audioresample ! audio/x-raw,rate=48000,channels=2 ! tee name=atee "
       "atee. ! queue max-size-buffers=50 max-size-bytes=0 max-size-time=0 ! audioconvert ! avenc_aac bitrate="
    << settings.audio_kbps * 1000
    << " ! appsink name=audio caps=\"audio/mpeg,mpegversion=4,stream-format=raw\" sync=false async=false "
       "max-buffers=8 drop=false "
       "atee. ! queue max-size-buffers=50 max-size-bytes=0 max-size-time=0 ! audioconvert ! opusenc bitrate="
    << std::clamp(settings.audio_kbps * 1000, 6000, 510000)
    << " frame-size=20 ! appsink name=opus caps=\"audio/x-opus\" sync=false async=false max-buffers=8 drop=false";
  return d.str();
}

}  // namespace

Ladder::Ladder(boost::asio::io_context& loop, std::string room, const LadderSettings& settings,
               std::vector<RungPlan> rungs, const VideoConfig& source, LadderListener& listener)
    : room_(std::move(room)), rungs_(std::move(rungs)), shared_(std::make_shared<Shared>(loop, room_, listener)) {
  if (std::find(kPresets.begin(), kPresets.end(), settings.x264_preset) == kPresets.end()) {
    throw common::Error(common::ErrorCode::Config, "transcode: unknown x264_preset " + settings.x264_preset);
  }
  if (!(settings.keyframe_interval_s > 0.05)) {
    throw common::Error(common::ErrorCode::Config, "transcode: keyframe_interval_s must be > 0.05");
  }
  shared_->key_interval_ns = static_cast<uint64_t>(settings.keyframe_interval_s * 1e9);

  GError* error = nullptr;
  const std::string description = pipelineDescription(settings, rungs_);
  GstElement* pipeline = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!pipeline || error) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    throw common::Error(common::ErrorCode::Internal, "ladder: cannot build pipeline: " + message);
  }
  shared_->pipeline.reset(pipeline);
  GstBin* bin = GST_BIN(pipeline);

  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  gst_bus_set_sync_handler(bus.get(), onBusMessage, shared_.get(), nullptr);

  auto attach = [&](const std::string& name, int rung) {
    GstObjectPtr<GstElement> sink(gst_bin_get_by_name(bin, name.c_str()));
    auto ctx = std::make_unique<Shared::Sink>();
    ctx->shared = shared_.get();
    ctx->rung = rung;
    ctx->reader.kind = rung < 0 ? TrackKind::Audio : TrackKind::Video;  // the audio sinks
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = onNewSample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &callbacks, ctx.get(), nullptr);
    shared_->sinks.push_back(std::move(ctx));
  };
  for (size_t i = 0; i < rungs_.size(); ++i) attach("rung" + std::to_string(i), static_cast<int>(i));
  attach("audio", kAacSink);
  attach("opus", kOpusSink);

  // The pipeline keeps these alive; the raw pointers live as long as shared_->pipeline.
  GstObjectPtr<GstElement> audio_src(gst_bin_get_by_name(bin, "asrc"));
  shared_->audio_src = audio_src.get();
  if (!rungs_.empty()) {
    GstObjectPtr<GstElement> video_src(gst_bin_get_by_name(bin, "vsrc"));
    shared_->video_src = video_src.get();
    GstObjectPtr<GstElement> tee(gst_bin_get_by_name(bin, "vtee"));
    GstObjectPtr<GstPad> tee_sink(gst_element_get_static_pad(tee.get(), "sink"));
    gst_pad_add_probe(tee_sink.get(), GST_PAD_PROBE_TYPE_BUFFER, keyframeProbe, shared_.get(), nullptr);
    setVideoConfig(source);
  }

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    shared_->pipeline.reset();
    throw common::Error(common::ErrorCode::Internal, "ladder: pipeline does not start");
  }
  std::string names;
  for (const auto& r : rungs_) names += (names.empty() ? "" : ",") + r.name + ":" + std::to_string(r.width) + "x" +
                                        std::to_string(r.height);
  common::log::info(kComponent, kTopic, "ladder started",
                    {{"room", room_}, {"rungs", names}, {"preset", settings.x264_preset}});
}

Ladder::~Ladder() {
  // Set to NULL first (joins the streaming threads, which never wait on the loop), then drop the callbacks'
  // state. Posted work still queued on the loop finds the weak pointer expired.
  GstElement* pipeline = shared_->pipeline.get();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  shared_->listener = nullptr;
  shared_->video_src = nullptr;
  shared_->audio_src = nullptr;
  shared_->pipeline.reset();
  common::log::info(kComponent, kTopic, "ladder stopped", {{"room", room_}});
}

void Ladder::setVideoConfig(const VideoConfig& config) {
  if (!shared_->video_src || config.avcc.empty()) return;
  GstCapsPtr caps(gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                                      G_TYPE_STRING, "au", nullptr));
  if (config.width > 0 && config.height > 0) {
    gst_caps_set_simple(caps.get(), "width", G_TYPE_INT, config.width, "height", G_TYPE_INT, config.height, nullptr);
  }
  setCodecData(caps.get(), config.avcc);
  gst_app_src_set_caps(GST_APP_SRC(shared_->video_src), caps.get());
  video_wait_key_ = true;
}

void Ladder::setAudioConfig(const AudioConfig& config) {
  if (!shared_->audio_src || config.asc.empty()) return;
  GstCapsPtr caps(gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format", G_TYPE_STRING,
                                      "raw", nullptr));
  if (config.sample_rate > 0) gst_caps_set_simple(caps.get(), "rate", G_TYPE_INT, config.sample_rate, nullptr);
  if (config.channels > 0) gst_caps_set_simple(caps.get(), "channels", G_TYPE_INT, config.channels, nullptr);
  setCodecData(caps.get(), config.asc);
  gst_app_src_set_caps(GST_APP_SRC(shared_->audio_src), caps.get());
  audio_configured_ = true;
}

bool Ladder::pushVideo(const EncodedFrame& frame) { return push(TrackKind::Video, frame); }
bool Ladder::pushAudio(const EncodedFrame& frame) { return push(TrackKind::Audio, frame); }

void Ladder::requestKeyframe() { shared_->key_requested.store(true, std::memory_order_relaxed); }

bool Ladder::failed() const { return shared_->listener == nullptr; }

bool Ladder::push(TrackKind kind, const EncodedFrame& frame) {
  if (failed()) return false;
  const bool video = kind == TrackKind::Video;
  GstElement* src = video ? shared_->video_src : shared_->audio_src;
  if (!src || (!video && !audio_configured_)) return false;
  bool& wait_key = video ? video_wait_key_ : audio_wait_key_;
  if (gst_app_src_get_current_level_bytes(GST_APP_SRC(src)) > kMaxInputBytes) {
    if (!wait_key) {
      uint64_t suppressed = 0;
      if (shared_->drop_log.allow(suppressed)) {
        common::log::warn(kComponent, kTopic, "transcoder behind, dropping input until the next keyframe",
                          {{"room", room_}, {"track", video ? "video" : "audio"},
                           {"suppressed", std::to_string(suppressed)}});
      }
    }
    wait_key = true;
    return false;
  }
  if (wait_key && !frame.keyframe) return false;
  GstBuffer* buffer = bufferFromFrame(frame);
  if (!buffer) return false;
  wait_key = false;
  return gst_app_src_push_buffer(GST_APP_SRC(src), buffer) == GST_FLOW_OK;  // takes the buffer
}

}  // namespace airclass::media::pipeline
