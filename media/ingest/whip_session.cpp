#include "media/ingest/whip_session.hpp"

#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "media/pipeline/gst_frames.hpp"
#include "media/pipeline/gst_ptr.hpp"

namespace airclass::media::ingest {

namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "whip";
constexpr int kMaxPendingFrames = 300;

using pipeline::GstCapsPtr;
using pipeline::GstObjectPtr;
using pipeline::GstPipelinePtr;
using pipeline::GstSamplePtr;

std::string takeError(GError* error, const char* fallback) {
  std::string text = error && error->message ? error->message : fallback;
  if (error) g_error_free(error);
  return text;
}

// The error a promise was answered with, empty when none (webrtcbin replies {"error": GError} on failure).
std::string promiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply || !gst_structure_has_field(reply, "error")) return "";
  GError* error = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  return takeError(error, "failed");
}

}  // namespace

// What GStreamer's threads may touch: the loop to post to, a weak handle to the loop-side state (only locked on
// the loop) and the frame backlog. Shared by every callback registration, so it outlives all of them.
struct Bridge {
  Bridge(boost::asio::io_context& io, std::weak_ptr<WhipSession::Impl> i, std::string r, std::string video,
         std::string audio)
      : loop(io), impl(std::move(i)), room(std::move(r)), video_branch(std::move(video)),
        audio_branch(std::move(audio)) {}
  boost::asio::io_context& loop;
  std::weak_ptr<WhipSession::Impl> impl;
  std::string room;
  std::string video_branch;  // gst-launch descriptions of the branches built when webrtcbin adds a pad
  std::string audio_branch;
  std::atomic<int> pending{0};
};
using BridgePtr = std::shared_ptr<Bridge>;

// One appsink's reader; its streaming thread only.
struct SinkTap {
  BridgePtr bridge;
  pipeline::SinkReader reader;
};

struct WhipSession::Impl : std::enable_shared_from_this<WhipSession::Impl> {
  Impl(boost::asio::io_context& io, const common::Config& cfg, std::string r, std::unique_ptr<Publication> p,
       WhipOffer o)
      : loop(io), config(cfg), room(std::move(r)), publication(std::move(p)), offer(std::move(o)),
        answer_timer(io), tick_timer(io) {}

  boost::asio::io_context& loop;
  const common::Config& config;
  const std::string room;
  std::unique_ptr<Publication> publication;
  const WhipOffer offer;
  GstPipelinePtr pipeline;
  GstElement* webrtc = nullptr;  // owned by the pipeline
  BridgePtr bridge;
  boost::asio::steady_timer answer_timer;
  boost::asio::steady_timer tick_timer;
  AnswerHandler on_answer;
  EndHandler on_end;
  bool local_set = false;
  bool stopped = false;
  std::chrono::steady_clock::time_point last_media;
  uint64_t frames = 0;

  void start(const std::string& offer_sdp);
  void onRemoteSet(const std::string& error);
  void onAnswerCreated(const GstWebRTCSessionDescription* answer, const std::string& error);
  void maybeFinishAnswer(bool deadline);
  void onFrame(std::optional<VideoConfig> video, std::optional<AudioConfig> audio, std::optional<EncodedFrame> frame);
  void tick();
  void fail(const common::Error& error);  // before or after the answer: the session ends
  void stop();
};

namespace {

using Impl = WhipSession::Impl;

// A heap reference handed to a C callback registration, released by its destroy notify.
BridgePtr* hold(const BridgePtr& bridge) { return new BridgePtr(bridge); }
void release(gpointer data) { delete static_cast<BridgePtr*>(data); }
void releaseClosure(gpointer data, GClosure*) { release(data); }

// Runs `task(impl)` on the loop if the session still exists and is not stopped.
template <class Task>
void toLoop(const BridgePtr& bridge, Task task) {
  boost::asio::post(bridge->loop, [weak = bridge->impl, task = std::move(task)]() mutable {
    auto impl = weak.lock();
    if (impl && !impl->stopped) task(*impl);
  });
}

GstFlowReturn onSample(GstAppSink* appsink, gpointer user) {
  auto* tap = static_cast<SinkTap*>(user);
  GstSamplePtr sample(gst_app_sink_pull_sample(appsink));
  if (!sample) return GST_FLOW_FLUSHING;
  const BridgePtr& bridge = tap->bridge;
  auto out = tap->reader.read(sample.get(), bridge->pending.load(std::memory_order_relaxed), kMaxPendingFrames);
  if (!out.frame && !out.video_config && !out.audio_config) return GST_FLOW_OK;
  if (out.frame) bridge->pending.fetch_add(1, std::memory_order_relaxed);
  const bool counted = out.frame.has_value();
  boost::asio::post(bridge->loop, [bridge, counted, weak = bridge->impl, video = std::move(out.video_config),
                                   audio = std::move(out.audio_config), frame = std::move(out.frame)]() mutable {
    if (counted) bridge->pending.fetch_sub(1, std::memory_order_relaxed);
    auto impl = weak.lock();
    if (impl && !impl->stopped) impl->onFrame(std::move(video), std::move(audio), std::move(frame));
  });
  return GST_FLOW_OK;
}

// webrtcbin added a pad for an incoming stream (its streaming thread): build the branch for its codec.
void onPadAdded(GstElement* webrtc, GstPad* pad, gpointer user) {
  const BridgePtr& bridge = *static_cast<BridgePtr*>(user);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstCapsPtr caps(gst_pad_get_current_caps(pad));
  if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
  const GstStructure* s = caps && gst_caps_get_size(caps.get()) > 0 ? gst_caps_get_structure(caps.get(), 0) : nullptr;
  const char* encoding = s ? gst_structure_get_string(s, "encoding-name") : nullptr;
  std::string name = encoding ? encoding : "";
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const bool video = name == "H264" || name == "VP8";
  const bool audio = name == "OPUS";
  const std::string description = video ? bridge->video_branch : audio ? bridge->audio_branch : "fakesink sync=false";
  GError* error = nullptr;
  GstElement* branch = gst_parse_bin_from_description(description.c_str(), TRUE, &error);
  if (!branch || error) {
    const std::string why = takeError(error, "cannot build the branch");
    if (branch) gst_object_unref(branch);
    toLoop(bridge, [why](Impl& impl) { impl.fail(common::Error(common::ErrorCode::Internal, "whip branch: " + why)); });
    return;
  }
  GstElement* parent = GST_ELEMENT(gst_element_get_parent(webrtc));
  if (!parent) {
    gst_object_unref(branch);
    return;
  }
  gst_bin_add(GST_BIN(parent), branch);
  gst_object_unref(parent);
  if (video || audio) {
    GstObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(branch), video ? "video" : "audio"));
    auto* tap = new SinkTap{bridge, {}};
    tap->reader.kind = video ? TrackKind::Video : TrackKind::Audio;
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = onSample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &callbacks, tap,
                               [](gpointer data) { delete static_cast<SinkTap*>(data); });
  }
  gst_element_sync_state_with_parent(branch);
  GstObjectPtr<GstPad> sink_pad(gst_element_get_static_pad(branch, "sink"));
  if (!sink_pad || gst_pad_link(pad, sink_pad.get()) != GST_PAD_LINK_OK) {
    toLoop(bridge, [name](Impl& impl) {
      impl.fail(common::Error(common::ErrorCode::Internal, "whip branch: cannot link the " + name + " pad"));
    });
    return;
  }
  common::log::info(kComponent, kTopic, "receiving", {{"room", bridge->room}, {"codec", name}});
}

void onGatheringState(GstElement*, GParamSpec*, gpointer user) {
  toLoop(*static_cast<BridgePtr*>(user), [](Impl& impl) { impl.maybeFinishAnswer(false); });
}

void onConnectionState(GstElement* webrtc, GParamSpec*, gpointer user) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &state, nullptr);
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_FAILED && state != GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED) return;
  toLoop(*static_cast<BridgePtr*>(user), [](Impl& impl) {
    impl.fail(common::Error(common::ErrorCode::Unavailable, "whip: ICE/DTLS connection failed or closed"));
  });
}

GstBusSyncReply onBusMessage(GstBus*, GstMessage* message, gpointer user) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return GST_BUS_DROP;
  GError* error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  const std::string text =
      std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + takeError(error, "unknown error");
  toLoop(*static_cast<BridgePtr*>(user), [text](Impl& impl) {
    impl.fail(common::Error(common::ErrorCode::Internal, "whip pipeline: " + text));
  });
  return GST_BUS_DROP;
}

void onRemoteSetPromise(GstPromise* promise, gpointer user) {
  const std::string error = promiseError(promise);
  gst_promise_unref(promise);
  toLoop(*static_cast<BridgePtr*>(user), [error](Impl& impl) { impl.onRemoteSet(error); });
}

void onAnswerPromise(GstPromise* promise, gpointer user) {
  std::string error = promiseError(promise);
  GstWebRTCSessionDescription* answer = nullptr;
  if (error.empty()) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    if (!reply || !gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr)) {
      error = "no answer";
    }
  }
  gst_promise_unref(promise);
  // Freed with the task, whether it runs or the session is gone.
  std::shared_ptr<GstWebRTCSessionDescription> owned(answer, [](GstWebRTCSessionDescription* d) {
    if (d) gst_webrtc_session_description_free(d);
  });
  toLoop(*static_cast<BridgePtr*>(user), [owned, error](Impl& impl) { impl.onAnswerCreated(owned.get(), error); });
}

void onLocalSetPromise(GstPromise* promise, gpointer user) {
  const std::string error = promiseError(promise);
  gst_promise_unref(promise);
  toLoop(*static_cast<BridgePtr*>(user), [error](Impl& impl) {
    if (!error.empty()) {
      impl.fail(common::Error(common::ErrorCode::Internal, "whip: set-local-description: " + error));
      return;
    }
    impl.local_set = true;
    impl.maybeFinishAnswer(false);
  });
}

// The offer's codec for one media section as transceiver caps: the answer then carries that codec only.
GstCaps* codecCaps(const GstSDPMessage* sdp, const std::string& mid, int payload) {
  for (guint i = 0; i < gst_sdp_message_medias_len(sdp); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(sdp, i);
    const char* m = gst_sdp_media_get_attribute_val(media, "mid");
    if (!m || mid != m) continue;
    GstCaps* caps = gst_sdp_media_get_caps_from_media(media, payload);
    if (!caps) return nullptr;
    gst_structure_set_name(gst_caps_get_structure(caps, 0), "application/x-rtp");
    return caps;
  }
  return nullptr;
}

std::string videoBranch(const common::Config& config, WhipOffer::Video codec) {
  const std::string out = "h264parse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=video sync=false";
  if (codec == WhipOffer::Video::H264) {
    return "rtph264depay request-keyframe=true wait-for-keyframe=true ! " + out;
  }
  int kbps = 2500;
  for (const auto& rung : config.transcode.ladder) kbps = std::max(kbps, rung.video_kbps);
  return "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec ! videoconvert ! "
         "video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=" + config.transcode.x264_preset +
         " bframes=0 key-int-max=300 bitrate=" + std::to_string(kbps) + " ! " + out;
}

std::string audioBranch(const common::Config& config) {
  return "rtpopusdepay ! opusdec plc=true ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
         "avenc_aac bitrate=" + std::to_string(config.transcode.audio_kbps * 1000) +
         " ! appsink name=audio caps=\"audio/mpeg,mpegversion=4,stream-format=raw\" sync=false";
}

}  // namespace

void WhipSession::Impl::start(const std::string& offer_sdp) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK || !sdp) {
    throw common::Error(common::ErrorCode::BadRequest, "whip offer: GStreamer cannot parse the SDP");
  }
  GstWebRTCSessionDescription* description = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  struct FreeDescription {
    void operator()(GstWebRTCSessionDescription* d) const { gst_webrtc_session_description_free(d); }
  };
  std::unique_ptr<GstWebRTCSessionDescription, FreeDescription> owned(description);

  bridge = std::make_shared<Bridge>(loop, weak_from_this(), room, videoBranch(config, offer.video),
                                    audioBranch(config));
  pipeline.reset(gst_pipeline_new(("whip-" + room).c_str()));
  webrtc = gst_element_factory_make("webrtcbin", "webrtc");
  if (!pipeline || !webrtc) throw common::Error(common::ErrorCode::Internal, "whip: webrtcbin is not available");
  gst_bin_add(GST_BIN(pipeline.get()), webrtc);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
  gst_bus_set_sync_handler(bus.get(), onBusMessage, hold(bridge), release);
  const auto flags = GConnectFlags(0);
  g_signal_connect_data(webrtc, "pad-added", G_CALLBACK(onPadAdded), hold(bridge), releaseClosure, flags);
  g_signal_connect_data(webrtc, "notify::ice-gathering-state", G_CALLBACK(onGatheringState), hold(bridge),
                        releaseClosure, flags);
  g_signal_connect_data(webrtc, "notify::connection-state", G_CALLBACK(onConnectionState), hold(bridge),
                        releaseClosure, flags);

  // Receive-only transceivers in the offer's order, each limited to the codec we chose.
  struct Section {
    std::string mid;
    int payload;
  };
  std::vector<Section> sections{{offer.video_mid, offer.video_payload}};
  if (offer.audio_payload >= 0) sections.push_back({offer.audio_mid, offer.audio_payload});
  for (const Section& section : sections) {
    GstCapsPtr caps(codecCaps(sdp, section.mid, section.payload));
    if (!caps) throw common::Error(common::ErrorCode::BadRequest, "whip offer: no section with mid " + section.mid);
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps.get(),
                          &transceiver);
    if (transceiver) gst_object_unref(transceiver);
  }
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw common::Error(common::ErrorCode::Internal, "whip: the pipeline does not start");
  }
  GstPromise* promise = gst_promise_new_with_change_func(onRemoteSetPromise, hold(bridge), release);
  g_signal_emit_by_name(webrtc, "set-remote-description", description, promise);

  answer_timer.expires_after(std::chrono::milliseconds(kAnswerTimeoutMs));
  answer_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto impl = weak.lock();
    if (!ec && impl && !impl->stopped) impl->maybeFinishAnswer(true);
  });
}

void WhipSession::Impl::onRemoteSet(const std::string& error) {
  if (!error.empty()) {
    fail(common::Error(common::ErrorCode::BadRequest, "whip offer refused: " + error));
    return;
  }
  GstPromise* promise = gst_promise_new_with_change_func(onAnswerPromise, hold(bridge), release);
  g_signal_emit_by_name(webrtc, "create-answer", nullptr, promise);
}

void WhipSession::Impl::onAnswerCreated(const GstWebRTCSessionDescription* answer, const std::string& error) {
  if (!answer) {
    fail(common::Error(common::ErrorCode::Unsupported, "whip: no answer to the offer: " + error));
    return;
  }
  GstPromise* promise = gst_promise_new_with_change_func(onLocalSetPromise, hold(bridge), release);
  g_signal_emit_by_name(webrtc, "set-local-description", answer, promise);
}

// The answer goes out once the local description is set and ICE gathering is complete (the candidates are in
// it: no trickle needed), or at the deadline with the candidates gathered so far.
void WhipSession::Impl::maybeFinishAnswer(bool deadline) {
  if (!on_answer) return;  // answered already
  GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtc, "ice-gathering-state", &gathering, nullptr);
  if (!local_set || (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && !deadline)) {
    if (deadline) fail(common::Error(common::ErrorCode::Unavailable, "whip: negotiation did not finish in time"));
    return;
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc, "local-description", &local, nullptr);
  std::string text;
  if (local) {
    // RFC 8840: a Trickle ICE agent announces the "trickle" ice-option in its answers (webrtcbin does not).
    gst_sdp_message_add_attribute(local->sdp, "ice-options", "trickle");
    gchar* sdp = gst_sdp_message_as_text(local->sdp);
    text = sdp ? sdp : "";
    g_free(sdp);
    gst_webrtc_session_description_free(local);
  }
  if (text.find("a=candidate:") == std::string::npos) {
    fail(common::Error(common::ErrorCode::Unavailable, "whip: no ICE candidate gathered"));
    return;
  }
  answer_timer.cancel();
  last_media = std::chrono::steady_clock::now();
  auto handler = std::move(on_answer);
  on_answer = nullptr;
  common::log::info(kComponent, kTopic, "answered", {{"room", room}, {"video", toString(offer.video)},
                                                     {"audio", offer.audio_payload >= 0 ? "opus" : "none"}});
  tick();
  handler(std::move(text));
}

void WhipSession::Impl::onFrame(std::optional<VideoConfig> video, std::optional<AudioConfig> audio,
                                std::optional<EncodedFrame> frame) {
  last_media = std::chrono::steady_clock::now();
  if (!publication) return;
  try {
    if (video) publication->onVideoConfig(*video);
    if (audio) publication->onAudioConfig(*audio);
    if (frame) {
      publication->onFrame(*frame);
      ++frames;
    }
  } catch (const common::Error& e) {
    fail(e);
  }
}

// Every keyframe interval: ask the publisher for a keyframe (upstream force-key-unit: a PLI/FIR for H.264,
// x264 for VP8) and drop a publisher that went silent.
void WhipSession::Impl::tick() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_media > std::chrono::seconds(config.ingest.stall_timeout_s)) {
    fail(common::Error(common::ErrorCode::Unavailable,
                       "whip: no media for " + std::to_string(config.ingest.stall_timeout_s) + " s"));
    return;
  }
  if (frames > 0) {
    GstObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "video"));
    if (sink) {
      gst_element_send_event(sink.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    }
  }
  const double interval_s = std::clamp(config.transcode.keyframe_interval_s, 0.25, 10.0);
  tick_timer.expires_after(std::chrono::milliseconds(static_cast<int64_t>(interval_s * 1000)));
  tick_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto impl = weak.lock();
    if (!ec && impl && !impl->stopped) impl->tick();
  });
}

void WhipSession::Impl::fail(const common::Error& error) {
  if (stopped) return;
  common::log::warn(kComponent, kTopic, "session ended", {{"room", room}, {"error", error.what()}});
  auto answer = std::move(on_answer);
  auto end = std::move(on_end);
  stop();
  if (answer) answer(error);
  if (end) end();
}

void WhipSession::Impl::stop() {
  if (stopped) return;
  stopped = true;
  on_answer = nullptr;
  on_end = nullptr;
  answer_timer.cancel();
  tick_timer.cancel();
  if (pipeline) {
    gst_element_set_state(pipeline.get(), GST_STATE_NULL);  // joins the streaming threads
    GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    pipeline.reset();
    webrtc = nullptr;
  }
  publication.reset();  // the room starts its reconnect grace window
}

WhipSession::WhipSession(boost::asio::io_context& loop, const common::Config& config, std::string room,
                         std::unique_ptr<Publication> publication, WhipOffer offer)
    : impl_(std::make_shared<Impl>(loop, config, std::move(room), std::move(publication), std::move(offer))) {}

WhipSession::~WhipSession() { stop(); }

void WhipSession::start(const std::string& offer_sdp, AnswerHandler on_answer, EndHandler on_end) {
  impl_->on_answer = std::move(on_answer);
  impl_->on_end = std::move(on_end);
  try {
    impl_->start(offer_sdp);
  } catch (...) {
    impl_->on_answer = nullptr;
    impl_->on_end = nullptr;
    impl_->stop();
    throw;
  }
}

bool WhipSession::trickle(const TrickleFragment& fragment) {
  const WhipOffer& offer = impl_->offer;
  const auto indexOf = [&offer](const std::string& mid) {
    for (size_t i = 0; i < offer.sections.size(); ++i) {
      if (offer.sections[i].mid == mid) return i;
    }
    throw common::Error(common::ErrorCode::BadRequest, "trickle fragment: the offer has no m= section with a=mid:" + mid);
  };
  // Check everything before adding anything: a refused fragment leaves the ICE agent as it was.
  std::vector<size_t> lines;
  for (const TrickleFragment::Media& m : fragment.media) lines.push_back(indexOf(m.mid));
  const auto restart = [&fragment](const WhipOffer::Section& s) {
    return s.ice_ufrag != fragment.ice_ufrag || s.ice_pwd != fragment.ice_pwd;
  };
  if (lines.empty() && !offer.sections.empty() && restart(offer.sections.front())) return false;
  for (size_t line : lines) {
    if (restart(offer.sections[line])) return false;
  }
  GstElement* webrtc = impl_->webrtc;
  if (!webrtc || impl_->stopped) return true;  // ended meanwhile: nothing to add to
  size_t added = 0;
  for (size_t i = 0; i < fragment.media.size(); ++i) {
    const auto mline = static_cast<guint>(lines[i]);
    for (const std::string& candidate : fragment.media[i].candidates) {
      g_signal_emit_by_name(webrtc, "add-ice-candidate", mline, candidate.c_str());
      ++added;
    }
    if (fragment.media[i].end_of_candidates) {
      g_signal_emit_by_name(webrtc, "add-ice-candidate", mline, static_cast<const char*>(nullptr));
    }
  }
  common::log::debug(kComponent, kTopic, "trickled candidates",
                     {{"room", impl_->room}, {"candidates", std::to_string(added)}});
  return true;
}

void WhipSession::stop() { impl_->stop(); }

}  // namespace airclass::media::ingest
