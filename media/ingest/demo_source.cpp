#include "media/ingest/demo_source.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <boost/asio/post.hpp>

#include <chrono>
#include <optional>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "media/pipeline/gst_frames.hpp"
#include "media/pipeline/gst_ptr.hpp"

namespace airclass::media::ingest {

namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "demo";
constexpr int kMaxPendingFrames = 300;

using pipeline::GstObjectPtr;
using pipeline::GstPipelinePtr;
using pipeline::GstSamplePtr;

}  // namespace

struct DemoSource::Shared : std::enable_shared_from_this<DemoSource::Shared> {
  struct Sink {
    Shared* shared = nullptr;
    pipeline::SinkReader reader;  // streaming thread of this sink
  };

  Shared(boost::asio::io_context& io, std::string r) : loop(io), room(std::move(r)) {}

  boost::asio::io_context& loop;
  const std::string room;
  std::unique_ptr<Publication> publication;  // loop only
  GstPipelinePtr pipeline;                   // loop only
  GstObjectPtr<GstClock> clock;
  GstElement* stamp = nullptr;               // the textoverlay that shows the capture time
  Sink video{};
  Sink audio{};
  std::atomic<int> pending{0};

  void stopOnLoop(const std::string& why) {
    if (!pipeline) return;
    common::log::error(kComponent, kTopic, "demo source failed", {{"room", room}, {"error", why}});
    gst_element_set_state(pipeline.get(), GST_STATE_NULL);  // the streaming threads never wait on the loop
    publication.reset();
  }
};

namespace {

// Draws the frame's capture time (unix ms, from the pipeline's real-time clock) on the frame.
GstPadProbeReturn stampProbe(GstPad* pad, GstPadProbeInfo* info, gpointer user) {
  auto* shared = static_cast<DemoSource::Shared*>(user);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer || !GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
  GstClockTime running = GST_BUFFER_PTS(buffer);
  if (GstEvent* event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0)) {
    const GstSegment* segment = nullptr;
    gst_event_parse_segment(event, &segment);
    running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, running);
    gst_event_unref(event);
  }
  GstElement* parent = GST_ELEMENT(gst_pad_get_parent(pad));
  if (!parent) return GST_PAD_PROBE_OK;
  const GstClockTime base = gst_element_get_base_time(parent);
  gst_object_unref(parent);
  const auto wall_ms = static_cast<long long>((base + running) / GST_MSECOND);
  const std::string text = "AIRCLASS-T " + std::to_string(wall_ms);
  g_object_set(shared->stamp, "text", text.c_str(), nullptr);
  return GST_PAD_PROBE_OK;
}

GstFlowReturn onSample(GstAppSink* appsink, gpointer user) {
  auto* sink = static_cast<DemoSource::Shared::Sink*>(user);
  DemoSource::Shared* shared = sink->shared;
  GstSamplePtr sample(gst_app_sink_pull_sample(appsink));
  if (!sample) return GST_FLOW_FLUSHING;
  auto [video_config, audio_config, frame, dropped] =
      sink->reader.read(sample.get(), shared->pending.load(std::memory_order_relaxed), kMaxPendingFrames);
  if (!frame && !video_config && !audio_config) return GST_FLOW_OK;
  if (frame) shared->pending.fetch_add(1, std::memory_order_relaxed);
  boost::asio::post(shared->loop, [weak = shared->weak_from_this(), video_config = std::move(video_config),
                                   audio_config = std::move(audio_config),
                                   frame = std::move(frame)] {
    auto s = weak.lock();
    if (!s) return;
    if (frame) s->pending.fetch_sub(1, std::memory_order_relaxed);
    if (!s->publication) return;
    try {
      if (video_config) s->publication->onVideoConfig(*video_config);
      if (audio_config) s->publication->onAudioConfig(*audio_config);
      if (frame) s->publication->onFrame(*frame);
    } catch (const common::Error& e) {
      s->stopOnLoop(e.what());
    }
  });
  return GST_FLOW_OK;
}

GstBusSyncReply onBusMessage(GstBus*, GstMessage* message, gpointer user) {
  auto* shared = static_cast<DemoSource::Shared*>(user);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " +
                       (error ? error->message : "unknown error");
    if (error) g_error_free(error);
    boost::asio::post(shared->loop, [weak = shared->weak_from_this(), text] {
      if (auto s = weak.lock()) s->stopOnLoop(text);
    });
  }
  return GST_BUS_DROP;
}

std::string description() {
  const std::string w = std::to_string(DemoSource::kWidth);
  const std::string h = std::to_string(DemoSource::kHeight);
  const std::string fps = std::to_string(DemoSource::kFrameRate);
  return "videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=" + w + ",height=" + h +
         ",framerate=" + fps + "/1 ! "
         "clockoverlay time-format=\"AirClass demo  %H:%M:%S\" halignment=left valignment=top "
         "font-desc=\"Sans 32\" ! "
         "textoverlay name=stamp text=\"\" halignment=left valignment=bottom font-desc=\"Monospace 28\" ! "
         "x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max=" + fps +
         " bitrate=" + std::to_string(DemoSource::kVideoKbps) + " ! h264parse ! "
         "appsink name=video caps=\"video/x-h264,stream-format=avc,alignment=au\" sync=false "
         "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! audio/x-raw,rate=48000,channels=2 ! "
         "audioconvert ! avenc_aac bitrate=128000 ! "
         "appsink name=audio caps=\"audio/mpeg,mpegversion=4,stream-format=raw\" sync=false";
}

}  // namespace

DemoSource::DemoSource(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate)
    : loop_(loop), config_(config), gate_(gate) {}

DemoSource::~DemoSource() { stop(); }

bool DemoSource::running() const { return shared_ && shared_->pipeline && shared_->publication; }

void DemoSource::start(const std::string& room) {
  stop();
  common::Claims claims;
  claims.sub = "demo-teacher";
  claims.name = "Demo teacher";
  claims.role = common::Role::Teacher;
  claims.room = room;
  claims.exp = std::chrono::duration_cast<std::chrono::seconds>(
                   (std::chrono::system_clock::now() + std::chrono::hours(24 * 365)).time_since_epoch())
                   .count();
  const std::string token = common::mintToken(claims, config_.auth.secret);

  auto shared = std::make_shared<Shared>(loop_, room);
  shared->publication = gate_.publish({room, token, "demo", "local"});

  GError* error = nullptr;
  const std::string text = description();
  GstElement* pipeline = gst_parse_launch_full(text.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!pipeline || error) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    throw common::Error(common::ErrorCode::Internal, "demo source: cannot build pipeline: " + message);
  }
  shared->pipeline.reset(pipeline);
  // A real-time clock, so base time + running time is the wall clock (a private instance: the default
  // system clock is shared by every pipeline).
  shared->clock.reset(GST_CLOCK(g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, nullptr)));
  gst_object_ref_sink(shared->clock.get());
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), shared->clock.get());

  GstBin* bin = GST_BIN(pipeline);
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  gst_bus_set_sync_handler(bus.get(), onBusMessage, shared.get(), nullptr);
  GstObjectPtr<GstElement> stamp(gst_bin_get_by_name(bin, "stamp"));
  shared->stamp = stamp.get();  // owned by the pipeline
  GstObjectPtr<GstPad> stamp_pad(gst_element_get_static_pad(stamp.get(), "video_sink"));
  gst_pad_add_probe(stamp_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, stampProbe, shared.get(), nullptr);

  auto attach = [&](const char* name, Shared::Sink& sink, TrackKind kind) {
    sink.shared = shared.get();
    sink.reader.kind = kind;
    GstObjectPtr<GstElement> element(gst_bin_get_by_name(bin, name));
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = onSample;
    gst_app_sink_set_callbacks(GST_APP_SINK(element.get()), &callbacks, &sink, nullptr);
  };
  attach("video", shared->video, TrackKind::Video);
  attach("audio", shared->audio, TrackKind::Audio);

  shared_ = shared;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    stop();
    throw common::Error(common::ErrorCode::Internal, "demo source: pipeline does not start");
  }
  common::log::info(kComponent, kTopic, "demo source publishing",
                    {{"room", room},
                     {"video", std::to_string(kWidth) + "x" + std::to_string(kHeight) + "@" +
                                   std::to_string(kFrameRate)}});
}

void DemoSource::stop() {
  if (!shared_) return;
  auto shared = std::move(shared_);
  if (shared->pipeline) {
    gst_element_set_state(shared->pipeline.get(), GST_STATE_NULL);  // joins the streaming threads
    GstObjectPtr<GstBus> bus(gst_element_get_bus(shared->pipeline.get()));
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    shared->pipeline.reset();
  }
  shared->publication.reset();  // the room starts its reconnect grace window
  common::log::info(kComponent, kTopic, "demo source stopped", {{"room", shared->room}});
}

}  // namespace airclass::media::ingest
