#include "signaling/signaling_service.hpp"

#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "signaling/admin_api.hpp"
#include "signaling/admin_stats.hpp"
#include "signaling/classroom_service.hpp"
#include "signaling/clock.hpp"
#include "signaling/rest_api.hpp"
#include "signaling/signaling_store.hpp"
#include "signaling/ws_server.hpp"

namespace airclass::signaling {
namespace {

std::string databasePath(const common::Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    throw common::Error(common::ErrorCode::Config,
                        "signaling: cannot create data dir " + config.data_dir + ": " + ec.message());
  }
  return (std::filesystem::path(config.data_dir) / "signaling.db").string();
}

}  // namespace

SignalingService::SignalingService(const common::Config& config)
    : own_clock_(std::make_unique<SystemClock>()), clock_(*own_clock_) {
  init(config);
}

SignalingService::SignalingService(const common::Config& config, const Clock& clock) : clock_(clock) { init(config); }

void SignalingService::init(const common::Config& config) {
  auto settings = ClassroomService::settingsFrom(config.signaling);
  store_ = std::make_unique<SignalingStore>(databasePath(config));
  ws_ = std::make_unique<WsServer>(WsServer::Limits{
      settings.max_message_bytes, static_cast<size_t>(std::max(config.signaling.send_queue_messages, 1))});
  classroom_ = std::make_unique<ClassroomService>(settings, config.auth.secret, clock_, *store_, *ws_);
  ws_->attach(classroom_.get());
  rest_ = std::make_unique<RestApi>(*classroom_, *store_, config.auth.secret, clock_, settings.attendance_min_ratio);
  admin_stats_ = std::make_unique<AdminStats>(*store_);
  classroom_->setAdminStats(admin_stats_.get());
  admin_api_ = std::make_unique<AdminApi>(*classroom_, *admin_stats_, *store_, config.auth.secret, clock_);
  min_ratio_ = settings.attendance_min_ratio;
}

SignalingService::~SignalingService() {
  ws_->attach(nullptr);  // the lws context must already be gone; this only guards late callbacks
}

const lws_protocols& SignalingService::protocol() { return ws_->protocol(); }

common::HttpResponse SignalingService::handleRest(std::string_view method, std::string_view path,
                                                  std::string_view query, std::string_view authorization_header,
                                                  std::string_view body) {
  if (AdminApi::handles(path)) return admin_api_->handle(method, path, query, authorization_header, body);
  return rest_->handle(method, path, query, authorization_header);
}

void SignalingService::onBroadcastStarted(const std::string& room, const std::string& hls_url) {
  classroom_->onBroadcastStarted(room, hls_url);
}

void SignalingService::onBroadcastEnded(const std::string& room) {
  const uint64_t session_id = classroom_->liveSession(room);
  classroom_->onBroadcastEnded(room);
  if (!session_ended_ || session_id == 0) return;
  const int64_t now = clock_.nowMs();
  if (auto session = store_->session(room, session_id)) {
    session_ended_(computeAttendance(*session, store_->intervals(session_id), min_ratio_, now));
  }
}

void SignalingService::setMediaFeed(std::shared_ptr<const MediaFeed> feed) {
  admin_stats_->setMediaFeed(std::move(feed));
}

void SignalingService::setAdminHooks(AdminHooks hooks) { admin_api_->setHooks(std::move(hooks)); }

void SignalingService::setSessionEndedListener(std::function<void(const AttendanceReport&)> listener) {
  session_ended_ = std::move(listener);
}

SignalingService::Metrics SignalingService::metrics() const {
  return Metrics{classroom_->joins(), classroom_->leaves(), ws_->messagesIn(), ws_->messagesOut(),
                 admin_stats_->numbers()};
}

void SignalingService::tick() { classroom_->tick(); }

void SignalingService::shutdown() { classroom_->shutdown(); }

}  // namespace airclass::signaling
