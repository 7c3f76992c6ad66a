#include "media/ingest/ts_demuxer.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <mutex>
#include <optional>

#include <boost/asio/post.hpp>

#include "common/error.hpp"
#include "common/log.hpp"

namespace airclass::media::ingest {
namespace {

constexpr std::string_view kComponent = "media";
constexpr std::string_view kTopic = "ts";

struct PipelineDeleter {
  void operator()(GstElement* pipeline) const {
    gst_element_set_state(pipeline, GST_STATE_NULL);  // joins the streaming threads
    gst_object_unref(pipeline);
  }
};
using PipelinePtr = std::unique_ptr<GstElement, PipelineDeleter>;

struct ObjectDeleter {
  void operator()(gpointer object) const { gst_object_unref(object); }
};
using ElementPtr = std::unique_ptr<GstElement, ObjectDeleter>;
using PadPtr = std::unique_ptr<GstPad, ObjectDeleter>;
using BusPtr = std::unique_ptr<GstBus, ObjectDeleter>;

struct CapsDeleter {
  void operator()(GstCaps* caps) const { gst_caps_unref(caps); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsDeleter>;

struct SampleDeleter {
  void operator()(GstSample* sample) const { gst_sample_unref(sample); }
};
using SamplePtr = std::unique_ptr<GstSample, SampleDeleter>;

// Maps a buffer for reading and unmaps it on scope exit.
class BufferMap {
 public:
  explicit BufferMap(GstBuffer* buffer) : buffer_(buffer) { ok_ = gst_buffer_map(buffer_, &info_, GST_MAP_READ); }
  ~BufferMap() {
    if (ok_) {
      gst_buffer_unmap(buffer_, &info_);
    }
  }
  BufferMap(const BufferMap&) = delete;
  BufferMap& operator=(const BufferMap&) = delete;
  bool ok() const { return ok_; }
  Bytes bytes() const { return Bytes(info_.data, info_.data + info_.size); }

 private:
  GstBuffer* buffer_;
  GstMapInfo info_{};
  bool ok_ = false;
};

std::string capsText(const GstCaps* caps) {
  gchar* text = gst_caps_to_string(caps);
  std::string out = text != nullptr ? text : "";
  g_free(text);
  return out;
}

std::optional<Bytes> codecData(const GstStructure* s) {
  const GValue* value = gst_structure_get_value(s, "codec_data");
  if (value == nullptr || !GST_VALUE_HOLDS_BUFFER(value)) {
    return std::nullopt;
  }
  BufferMap map(gst_value_get_buffer(value));
  if (!map.ok()) {
    return std::nullopt;
  }
  return map.bytes();
}

const char* kPipeline =
    "appsrc name=src is-live=true format=bytes block=false "
    "  caps=video/mpegts,systemstream=(boolean)true,packetsize=(int)188 "
    "! tsdemux name=demux "
    "h264parse name=vparse ! video/x-h264,stream-format=avc,alignment=au "
    "  ! appsink name=vsink sync=false async=false max-buffers=64 drop=false "
    "aacparse name=aparse ! audio/mpeg,stream-format=raw "
    "  ! appsink name=asink sync=false async=false max-buffers=64 drop=false";

}  // namespace

struct TsDemuxer::State {
  // Shared with the handlers posted to the loop: the sink outlives the demuxer while handlers are pending.
  struct Outlet {
    std::shared_ptr<Sink> sink;
    std::atomic<int> pending{0};
    std::atomic<bool> failed{false};
  };

  boost::asio::io_context& loop;
  std::shared_ptr<Outlet> outlet;
  std::string name;
  Limits limits;
  std::atomic<bool> stopping{false};

  PipelinePtr pipeline;
  ElementPtr appsrc;
  ElementPtr video_parse;
  ElementPtr audio_parse;

  std::mutex mutex;  // guards what follows: touched by tsdemux's and the appsinks' streaming threads
  bool video_linked = false;
  bool audio_linked = false;
  int ends_pending = 0;  // linked branches that have not reached end of stream yet
  bool ended = false;
  std::optional<int64_t> base_ns;
  CapsPtr video_caps;
  CapsPtr audio_caps;
  std::optional<VideoConfig> video_config;  // the last ones emitted: caps changes that keep them emit nothing
  std::optional<AudioConfig> audio_config;

  State(boost::asio::io_context& l, std::shared_ptr<Sink> s, std::string n, Limits lim)
      : loop(l), outlet(std::make_shared<Outlet>()), name(std::move(n)), limits(lim) {
    outlet->sink = std::move(s);
  }

  // Reports the first failure to the sink; every later output is dropped. Any thread.
  void fail(const std::string& message) {
    if (outlet->failed.exchange(true)) {
      return;
    }
    common::log::warn(kComponent, kTopic, "demux failed", {{"stream", name}, {"error", message}});
    boost::asio::post(loop, [o = outlet, message] { o->sink->onDemuxError(message); });
  }

  // Posts one output to the loop, within the pending bound. Any thread.
  template <typename Fn>
  void emit(Fn fn) {
    if (outlet->failed.load()) {
      return;
    }
    if (outlet->pending.fetch_add(1) >= limits.max_pending_outputs) {
      outlet->pending.fetch_sub(1);
      fail("media loop too far behind: more than " + std::to_string(limits.max_pending_outputs) +
           " demuxed outputs pending");
      return;
    }
    boost::asio::post(loop, [o = outlet, fn = std::move(fn)] {
      o->pending.fetch_sub(1);
      fn(*o->sink);
    });
  }

  int64_t relative(int64_t ts_ns) {  // under mutex
    if (!base_ns) {
      base_ns = ts_ns;
    }
    return ts_ns - *base_ns;
  }

  void onPadAdded(GstPad* pad);
  void onSample(GstAppSink* appsink, TrackKind kind);
  void onEos();
};

void TsDemuxer::State::onPadAdded(GstPad* pad) {
  if (stopping.load()) {
    return;
  }
  CapsPtr caps(gst_pad_get_current_caps(pad));
  if (!caps) {
    caps.reset(gst_pad_query_caps(pad, nullptr));
  }
  if (!caps || gst_caps_is_empty(caps.get()) || gst_caps_is_any(caps.get())) {
    return;
  }
  const GstStructure* s = gst_caps_get_structure(caps.get(), 0);
  const std::string media = gst_structure_get_name(s);
  GstElement* target = nullptr;
  {
    std::lock_guard lock(mutex);
    if (media == "video/x-h264" && !video_linked) {
      video_linked = true;
      target = video_parse.get();
    } else if (media == "audio/mpeg" && !audio_linked) {
      int version = 0;
      if (gst_structure_get_int(s, "mpegversion", &version) && (version == 2 || version == 4)) {
        audio_linked = true;
        target = audio_parse.get();
      }
    }
    if (target != nullptr) {
      ++ends_pending;
    }
  }
  if (target == nullptr) {
    if (media.starts_with("video/") || media.starts_with("audio/")) {
      fail("unsupported elementary stream " + capsText(caps.get()) + " (H.264 video and AAC audio only)");
    }
    return;  // metadata, subtitles, a second track: left unlinked, ignored by tsdemux
  }
  PadPtr sinkpad(gst_element_get_static_pad(target, "sink"));
  if (gst_pad_link(pad, sinkpad.get()) != GST_PAD_LINK_OK) {
    fail("cannot link " + media + " stream");
    return;
  }
  common::log::debug(kComponent, kTopic, "stream found", {{"stream", name}, {"caps", capsText(caps.get())}});
}

void TsDemuxer::State::onSample(GstAppSink* appsink, TrackKind kind) {
  SamplePtr sample(gst_app_sink_pull_sample(appsink));
  if (!sample || stopping.load() || outlet->failed.load()) {
    return;
  }
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  GstCaps* caps = gst_sample_get_caps(sample.get());
  if (buffer == nullptr || caps == nullptr) {
    return;
  }
  const bool video = kind == TrackKind::Video;
  std::unique_lock lock(mutex);
  CapsPtr& last = video ? video_caps : audio_caps;
  if (!last || !gst_caps_is_equal(last.get(), caps)) {
    last.reset(gst_caps_ref(caps));
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    std::optional<Bytes> config = codecData(s);
    if (!config || config->empty()) {
      lock.unlock();
      fail("no decoder configuration in " + capsText(caps));
      return;
    }
    if (video) {
      VideoConfig vc;
      vc.avcc = std::move(*config);
      gst_structure_get_int(s, "width", &vc.width);
      gst_structure_get_int(s, "height", &vc.height);
      if (vc != video_config) {
        video_config = vc;
        emit([vc = std::move(vc)](Sink& sink) { sink.onVideoConfig(vc); });
      }
    } else {
      AudioConfig ac;
      ac.asc = std::move(*config);
      gst_structure_get_int(s, "rate", &ac.sample_rate);
      gst_structure_get_int(s, "channels", &ac.channels);
      if (ac != audio_config) {
        audio_config = ac;
        emit([ac = std::move(ac)](Sink& sink) { sink.onAudioConfig(ac); });
      }
    }
  }
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  GstClockTime dts = GST_BUFFER_DTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(dts)) {
    dts = pts;
  }
  if (!GST_CLOCK_TIME_IS_VALID(pts)) {
    pts = dts;
  }
  if (!GST_CLOCK_TIME_IS_VALID(dts)) {
    return;  // an access unit without any timestamp cannot be placed on the timeline
  }
  BufferMap map(buffer);
  if (!map.ok()) {
    return;
  }
  EncodedFrame frame;
  frame.kind = kind;
  frame.dts_ns = relative(static_cast<int64_t>(dts));
  frame.pts_ns = relative(static_cast<int64_t>(pts));
  frame.keyframe = !video || !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  frame.data = std::make_shared<const Bytes>(map.bytes());
  emit([frame = std::move(frame)](Sink& sink) { sink.onFrame(frame); });
}

void TsDemuxer::State::onEos() {
  {
    std::lock_guard lock(mutex);
    if (ended || --ends_pending > 0) {
      return;
    }
    ended = true;
  }
  if (!outlet->failed.load()) {
    boost::asio::post(loop, [o = outlet] { o->sink->onDemuxEnd(); });
  }
}

namespace {

void padAdded(GstElement* /*demux*/, GstPad* pad, gpointer user) {
  static_cast<TsDemuxer::State*>(user)->onPadAdded(pad);
}

GstFlowReturn videoSample(GstAppSink* sink, gpointer user);
GstFlowReturn audioSample(GstAppSink* sink, gpointer user);
void sinkEos(GstAppSink* /*sink*/, gpointer user);

GstBusSyncReply busMessage(GstBus* /*bus*/, GstMessage* message, gpointer user);

}  // namespace

TsDemuxer::TsDemuxer(boost::asio::io_context& loop, std::shared_ptr<Sink> sink, std::string name, Limits limits)
    : state_(std::make_unique<State>(loop, std::move(sink), std::move(name), limits)) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(kPipeline, &error);
  if (pipeline == nullptr || error != nullptr) {
    const std::string what = error != nullptr ? error->message : "unknown";
    g_clear_error(&error);
    if (pipeline != nullptr) {
      gst_object_unref(pipeline);
    }
    throw common::Error(common::ErrorCode::Internal, "ts demuxer: pipeline: " + what);
  }
  State& s = *state_;
  s.pipeline.reset(pipeline);
  GstBin* bin = GST_BIN(pipeline);
  s.appsrc.reset(gst_bin_get_by_name(bin, "src"));
  s.video_parse.reset(gst_bin_get_by_name(bin, "vparse"));
  s.audio_parse.reset(gst_bin_get_by_name(bin, "aparse"));
  ElementPtr demux(gst_bin_get_by_name(bin, "demux"));
  ElementPtr vsink(gst_bin_get_by_name(bin, "vsink"));
  ElementPtr asink(gst_bin_get_by_name(bin, "asink"));
  g_object_set(s.appsrc.get(), "max-bytes", static_cast<guint64>(limits.max_input_bytes), nullptr);

  g_signal_connect(demux.get(), "pad-added", G_CALLBACK(padAdded), &s);
  GstAppSinkCallbacks video_callbacks{};
  video_callbacks.new_sample = videoSample;
  video_callbacks.eos = sinkEos;
  gst_app_sink_set_callbacks(GST_APP_SINK(vsink.get()), &video_callbacks, &s, nullptr);
  GstAppSinkCallbacks audio_callbacks{};
  audio_callbacks.new_sample = audioSample;
  audio_callbacks.eos = sinkEos;
  gst_app_sink_set_callbacks(GST_APP_SINK(asink.get()), &audio_callbacks, &s, nullptr);

  BusPtr bus(gst_element_get_bus(pipeline));
  gst_bus_set_sync_handler(bus.get(), busMessage, &s, nullptr);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw common::Error(common::ErrorCode::Internal, "ts demuxer: pipeline does not start");
  }
}

TsDemuxer::~TsDemuxer() {
  state_->stopping.store(true);
  state_->pipeline.reset();  // NULL state: every streaming thread is joined before the State goes away
}

bool TsDemuxer::push(std::span<const uint8_t> bytes) {
  State& s = *state_;
  if (s.outlet->failed.load()) {
    return false;
  }
  if (bytes.empty()) {
    return true;
  }
  auto* src = GST_APP_SRC(s.appsrc.get());
  const guint64 queued = gst_app_src_get_current_level_bytes(src);
  if (queued + bytes.size() > s.limits.max_input_bytes) {
    s.fail("demuxer too far behind: more than " + std::to_string(s.limits.max_input_bytes) + " bytes queued");
    return false;
  }
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, bytes.size(), nullptr);
  gst_buffer_fill(buffer, 0, bytes.data(), bytes.size());
  return gst_app_src_push_buffer(src, buffer) == GST_FLOW_OK;  // takes the buffer
}

void TsDemuxer::end() {
  gst_app_src_end_of_stream(GST_APP_SRC(state_->appsrc.get()));
}

bool TsDemuxer::failed() const {
  return state_->outlet->failed.load();
}

namespace {

GstFlowReturn videoSample(GstAppSink* sink, gpointer user) {
  static_cast<TsDemuxer::State*>(user)->onSample(sink, TrackKind::Video);
  return GST_FLOW_OK;
}

GstFlowReturn audioSample(GstAppSink* sink, gpointer user) {
  static_cast<TsDemuxer::State*>(user)->onSample(sink, TrackKind::Audio);
  return GST_FLOW_OK;
}

void sinkEos(GstAppSink* /*sink*/, gpointer user) {
  static_cast<TsDemuxer::State*>(user)->onEos();
}

GstBusSyncReply busMessage(GstBus* /*bus*/, GstMessage* message, gpointer user) {
  auto* state = static_cast<TsDemuxer::State*>(user);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && !state->stopping.load()) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::string what = error != nullptr ? error->message : "unknown error";
    if (GST_MESSAGE_SRC(message) != nullptr) {
      what = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + what;
    }
    g_clear_error(&error);
    g_free(debug);
    state->fail(what);
  }
  return GST_BUS_DROP;
}

}  // namespace

}  // namespace airclass::media::ingest
