#include "server/admin_backend.hpp"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "server/admin_metrics.hpp"
#include "server/media_feed_builder.hpp"

namespace airclass::server {
namespace {

using json = nlohmann::json;

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t unixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 2 target durations (the target is the segment duration rounded up, at least 1 s).
std::chrono::milliseconds hlsExpiry(const common::Config& config) {
  const double target = std::max(1.0, std::ceil(config.hls.segment_duration_s));
  return std::chrono::milliseconds(static_cast<int64_t>(2000.0 * target));
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

AdminBackend::AdminBackend(const common::Config& config, const media::hls::HlsStore& store,
                           signaling::SignalingService& signaling, Sources sources)
    : signaling_(signaling), sources_(std::move(sources)), hls_viewers_(hlsExpiry(config)), renditions_(store) {
  if (!config.webhooks.url.empty()) webhooks_ = std::make_unique<WebhookSender>(config.webhooks);
  signaling_.setAdminHooks(signaling::AdminHooks{sources_.end_broadcast, sources_.kick_webrtc});
  if (webhooks_) {
    signaling_.setSessionEndedListener([this](const signaling::AttendanceReport& r) { onSessionEnded(r); });
  }
}

AdminBackend::~AdminBackend() { stop(); }

void AdminBackend::start() {
  if (webhooks_) webhooks_->start();
}

void AdminBackend::stop() {
  if (webhooks_) webhooks_->stop();
}

void AdminBackend::tick() {
  const int64_t now = steadyMs();
  if (now - last_tick_ms_ < 1000) return;
  last_tick_ms_ = now;
  renditions_.sample(unixMs());
  const auto rooms = sources_.rooms ? sources_.rooms() : nullptr;
  const auto webrtc = sources_.webrtc ? sources_.webrtc() : nullptr;
  signaling_.setMediaFeed(std::make_shared<const signaling::MediaFeed>(
      buildMediaFeed(rooms.get(), hls_viewers_.viewers(now), webrtc.get(), renditions_.health())));
}

std::string AdminBackend::metrics() const {
  const auto rooms = sources_.rooms ? sources_.rooms() : nullptr;
  const auto webrtc = sources_.webrtc ? sources_.webrtc() : nullptr;
  const signaling::SignalingService::Metrics sig = signaling_.metrics();
  AdminMetricsInputs in;
  in.rooms = rooms.get();
  in.signaling = &sig;
  in.hls = &hls_viewers_;
  in.renditions = &renditions_.health();
  in.webrtc = webrtc.get();
  in.webhooks = webhooks_.get();
  return renderAdminMetrics(in) + renderProcessMetrics();
}

void AdminBackend::onBroadcastStarted(const media::RoomSummary& room) {
  if (!webhooks_) return;
  webhooks_->enqueue("broadcast_started", dump(json{{"event", "broadcast_started"},
                                                    {"time_ms", unixMs()},
                                                    {"room", room.room},
                                                    {"protocol", room.protocol},
                                                    {"teacher", room.teacher}}));
}

void AdminBackend::onBroadcastEnded(const std::string& room) {
  if (!webhooks_) return;
  webhooks_->enqueue("broadcast_stopped",
                     dump(json{{"event", "broadcast_stopped"}, {"time_ms", unixMs()}, {"room", room}}));
}

void AdminBackend::onSessionEnded(const signaling::AttendanceReport& r) {
  json list = json::array();
  int met = 0;
  for (const auto& s : r.students) {
    met += s.met_minimum ? 1 : 0;
    list.push_back(json{{"user", s.user},
                        {"name", s.name},
                        {"present_ms", s.present_ms},
                        {"ratio", s.ratio},
                        {"met_minimum", s.met_minimum}});
  }
  json body{{"event", "session_ended"},
            {"time_ms", unixMs()},
            {"room", r.session.room},
            {"session_id", r.session.id},
            {"started_ms", r.session.started_ms},
            {"ended_ms", r.session.ended_ms.value_or(unixMs())},
            {"duration_ms", r.duration_ms},
            {"peak", r.session.peak},
            {"attendance",
             {{"students", r.students.size()}, {"met_minimum", met}, {"min_ratio", r.min_ratio}, {"list", list}}}};
  webhooks_->enqueue("session_ended", dump(body));
}

}  // namespace airclass::server
