#include "server/app.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "media/hls/hls_http.hpp"
#include "media/hls/hls_store.hpp"
#include "media/ingest/demo_source.hpp"
#include "media/ingest/rtmp/rtmp_server.hpp"
#include "media/ingest/srt_listener.hpp"
#include "media/ingest/whip_ingest.hpp"
#include "media/media_service.hpp"
#include "media/webrtc/fanout.hpp"
#include "media/webrtc/fanout_input.hpp"
#include "server/admin_backend.hpp"
#include "server/api_routes.hpp"
#include "server/demo_routes.hpp"
#include "server/hls_routes.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "server/signaling_routes.hpp"
#include "server/static_files.hpp"
#include "server/static_routes.hpp"
#include "server/whep_routes.hpp"
#include "server/whip_gateway.hpp"
#include "server/whip_routes.hpp"
#include "signaling/signaling_service.hpp"

namespace airclass::server {
namespace {

namespace asio = boost::asio;
using common::Error;
using common::ErrorCode;

int64_t unixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `task` on `loop` and waits for it; its exception comes back here.
template <class Task>
void runOn(asio::io_context& loop, Task task) {
  std::packaged_task<void()> job(std::move(task));
  std::future<void> done = job.get_future();
  asio::post(loop, [&job] { job(); });
  done.get();
}

// Re-throws a start-up failure with the config key it is about.
template <class Start>
void startPart(const std::string& key, Start start) {
  try {
    start();
  } catch (const Error& e) {
    throw Error(e.code(), key + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Unavailable, key + ": " + e.what());
  }
}

std::string hostPort(const std::string& host, int port) { return host + ":" + std::to_string(port); }

}  // namespace

void blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Forwards media's broadcast events to signaling, on the HTTP thread that owns signaling.
class BroadcastRelay final : public media::MediaListener {
 public:
  BroadcastRelay(HttpServer& http, signaling::SignalingService& signaling, AdminBackend& admin)
      : http_(http), signaling_(signaling), admin_(admin) {}
  void onBroadcastStarted(const media::RoomSummary& room) override {
    admin_.onBroadcastStarted(room);  // webhooks: queued, never blocks
    http_.post([this, name = room.room] { signaling_.onBroadcastStarted(name, "/hls/" + name + "/index.m3u8"); });
  }
  void onBroadcastEnded(const std::string& room) override {
    admin_.onBroadcastEnded(room);
    http_.post([this, room] { signaling_.onBroadcastEnded(room); });
  }

 private:
  HttpServer& http_;
  signaling::SignalingService& signaling_;
  AdminBackend& admin_;
};

// Joins media and the WebRTC fan-out, which never see each other: rooms' RTP goes into the fan-out, its keyframe
// requests go to the room's ladder. Media loop only (the fan-out calls its listener there).
class FanoutRelay final : public media::webrtc::FanoutInput, public media::webrtc::FanoutListener {
 public:
  explicit FanoutRelay(const std::unique_ptr<media::MediaService>& media) : media_(media) {}
  void setFanout(media::webrtc::Fanout* fanout) { fanout_ = fanout; }

  void setRoomTracks(const std::string& room, media::webrtc::RoomTracks tracks) override {
    if (fanout_) fanout_->setRoomTracks(room, std::move(tracks));
  }
  void publish(const std::string& room, const std::string& rendition,
               std::shared_ptr<const media::webrtc::RtpFrame> frame) override {
    if (fanout_) fanout_->publish(room, rendition, std::move(frame));
  }
  void endRoom(const std::string& room) override {
    if (fanout_) fanout_->endRoom(room);
  }
  void onKeyframeRequest(const std::string& room, const std::string& rendition) override {
    if (media_) media_->requestKeyframe(room, rendition);
  }

 private:
  const std::unique_ptr<media::MediaService>& media_;  // App::Impl::media, set and reset on the media loop
  media::webrtc::Fanout* fanout_ = nullptr;
};

struct App::Impl {
  explicit Impl(common::Config c) : config(std::move(c)) {}

  common::Config config;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> media_up{false};

  // The media loop and everything it owns (created, used and destroyed on media_thread).
  asio::io_context media_loop;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> media_guard;
  std::thread media_thread;
  media::hls::HlsStore hls_store;
  std::unique_ptr<media::MediaService> media;
  std::unique_ptr<media::ingest::rtmp::RtmpServer> rtmp;
  std::unique_ptr<media::ingest::SrtListener> srt;
  std::unique_ptr<media::ingest::DemoSource> demo;
  std::unique_ptr<media::ingest::WhipIngest> whip;
  // The WebRTC fan-out: built and started on main, fed on the media loop, asked by HTTP (WHEP, snapshot()).
  std::unique_ptr<FanoutRelay> fanout_relay;
  std::unique_ptr<media::webrtc::Fanout> fanout;

  // HTTP side: signaling lives on the HTTP thread once it serves (built before, destroyed after).
  HttpRouter router;
  HttpMetrics metrics;
  std::unique_ptr<signaling::SignalingService> signaling;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<BroadcastRelay> relay;
  std::unique_ptr<AdminBackend> admin;  // HTTP thread, plus its webhook thread
  std::unique_ptr<WhipGateway> whip_gateway;  // HTTP thread -> media loop (whip) -> wake-up

  void startMedia();
  void logDemo() const;
};

void App::Impl::startMedia() {
  media_guard.emplace(asio::make_work_guard(media_loop));
  media_thread = std::thread([this] { media_loop.run(); });
  runOn(media_loop, [this] {
    media = std::make_unique<media::MediaService>(media_loop, config, hls_store, fanout_relay.get());
    media->setListener(relay.get());
    rtmp = std::make_unique<media::ingest::rtmp::RtmpServer>(media_loop, config, *media);
    startPart("rtmp.port " + hostPort(config.rtmp.host, config.rtmp.port), [this] { rtmp->start(); });
    srt = std::make_unique<media::ingest::SrtListener>(media_loop, config, *media);
    startPart("srt.port " + hostPort(config.srt.host, config.srt.port), [this] { srt->start(); });
    whip = std::make_unique<media::ingest::WhipIngest>(media_loop, config, *media);
    whip_gateway->setIngest(whip.get());
    if (config.demo) {
      demo = std::make_unique<media::ingest::DemoSource>(media_loop, config, *media);
      startPart("demo", [this] { demo->start("demo"); });
    }
    common::log::info("server", "media", "ingest listening",
                      {{"rtmp_port", std::to_string(rtmp->port())}, {"srt_port", std::to_string(srt->port())}});
  });
  media_up = true;
}

void App::Impl::logDemo() const {
  const int port = http->port();
  const int64_t exp = unixSeconds() + 12 * 3600;
  common::Claims student{"student-1", "Student", common::Role::Student, "demo", exp, 0};
  common::Claims teacher{"teacher-1", "Teacher", common::Role::Teacher, "demo", exp, 0};
  const std::string student_token = common::mintToken(student, config.auth.secret);
  const std::string teacher_token = common::mintToken(teacher, config.auth.secret);
  const std::string base = "http://localhost:" + std::to_string(port);
  common::log::info("server", "demo", "demo lesson live",
                    {{"room", "demo"},
                     {"student_url", base + "/student.html?room=demo"},
                     {"student_token", student_token},
                     {"teacher_token", teacher_token},
                     {"rtmp", "rtmp://localhost:" + std::to_string(config.rtmp.port) + "/live/demo?token=<teacher>"}});
}

App::App(common::Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

App::~App() { stop(); }

int App::httpPort() const { return impl_->http ? impl_->http->port() : 0; }

void App::start() {
  Impl& s = *impl_;
  common::Config& config = s.config;
  if (config.auth.secret.empty()) {
    if (!config.demo) {
      throw Error(ErrorCode::Config,
                  "auth.secret: not set (use [auth] secret, AIRCLASS_AUTH_SECRET or --auth.secret; --demo makes one)");
    }
    config.auth.secret = common::randomSecret();
    common::log::warn("server", "auth", "demo mode: generated a secret for this run",
                      {{"secret", config.auth.secret}});
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) throw Error(ErrorCode::Config, "data_dir " + config.data_dir + ": " + ec.message());
  s.started = true;

  // Signaling, then the routes, then HTTP (it fails fast on a port in use), then media.
  startPart("signaling", [&] { s.signaling = std::make_unique<signaling::SignalingService>(config); });
  // The WebRTC fan-out before the routes that use it; it binds its port after HTTP.
  s.fanout_relay = std::make_unique<FanoutRelay>(s.media);
  startPart("webrtc", [&] { s.fanout = std::make_unique<media::webrtc::Fanout>(s.media_loop, config, *s.fanout_relay); });
  s.fanout_relay->setFanout(s.fanout.get());

  const media::hls::HlsSettings hls_settings{config.hls.segment_duration_s, config.hls.part_duration_s,
                                            config.hls.window_segments};
  ApiSources api;
  api.rooms = [&s]() -> std::shared_ptr<const media::RoomList> {
    return s.media_up.load() ? s.media->rooms() : nullptr;
  };
  api.ready = [&s] { return s.media_up.load() && s.http != nullptr; };
  api.metrics = &s.metrics;
  api.start_time_unix_s = unixSeconds();
  AdminBackend::Sources admin_sources;
  admin_sources.rooms = api.rooms;
  // WebRTC viewers come from the fan-out's snapshot (viewer ids for the counts, counters for /metrics); a kicked
  // user's WebRTC sessions are closed through Fanout::removeViewer.
  admin_sources.webrtc = [&s] { return s.fanout->snapshot(); };
  admin_sources.kick_webrtc = [&s](const std::string& room, const std::string& user) {
    int closed = 0;
    for (const auto& viewer : s.fanout->snapshot()->viewers) {
      if (viewer.room == room && viewer.viewer_id == user && s.fanout->removeViewer(viewer.session_id)) ++closed;
    }
    return closed;
  };
  admin_sources.end_broadcast = [&s](const std::string& room) {
    const auto rooms = s.media_up.load() ? s.media->rooms() : nullptr;
    if (!rooms || std::none_of(rooms->begin(), rooms->end(), [&](const auto& r) { return r.room == room; })) {
      return false;
    }
    asio::post(s.media_loop, [&s, room] {
      if (s.media) s.media->endBroadcast(room);
    });
    return true;
  };
  startPart("webhooks.url", [&] {
    s.admin = std::make_unique<AdminBackend>(config, s.hls_store, *s.signaling, std::move(admin_sources));
  });
  api.extra_metrics = [&s] { return s.admin->metrics(); };
  addApiRoutes(s.router, std::move(api));
  if (config.demo) addDemoRoutes(s.router, config.auth.secret);  // GET /api/v1/demo/token
  addSignalingRoutes(s.router, *s.signaling);
  addHlsRoutes(s.router, std::make_shared<media::hls::HlsHttp>(s.hls_store, hls_settings), hls_settings,
               &s.admin->hlsViewers());
  // The media loop wakes HTTP when an answer is ready; http exists from before media starts until it stopped.
  s.whip_gateway = std::make_unique<WhipGateway>(s.media_loop, [&s] { s.http->wake(); });
  addWhipRoutes(s.router, *s.whip_gateway, config.auth.secret);
  WhepSources whep;
  whep.add_viewer = [&s](const media::webrtc::ViewerRequest& request) { return s.fanout->addViewer(request); };
  whep.remove_viewer = [&s](const std::string& id) { return s.fanout->removeViewer(id); };
  whep.auth_secret = config.auth.secret;
  addWhepRoutes(s.router, std::move(whep));
  const auto web_root = StaticFiles::findWebRoot(config.http.web_root);
  if (web_root.empty()) common::log::warn("server", "http", "no web root found: pages are not served");
  addStaticRoutes(s.router, std::make_shared<StaticFiles>(web_root));

  HttpServer::Settings settings;
  settings.host = config.http.host;
  settings.port = config.http.port;
  settings.max_connections_per_ip = config.http.max_connections_per_ip;
  settings.protocols.push_back(s.signaling->protocol());
  settings.on_tick = [&s] {
    s.admin->tick();
    s.signaling->tick();
  };
  settings.on_stop = [&s] { s.signaling->shutdown(); };
  s.http = std::make_unique<HttpServer>(std::move(settings), s.router, s.metrics);
  s.relay = std::make_unique<BroadcastRelay>(*s.http, *s.signaling, *s.admin);
  s.admin->start();
  s.hls_store.setUpdateListener([http = s.http.get()] { http->wake(); });
  startPart("http.port " + hostPort(config.http.host, config.http.port), [&] { s.http->start(); });
  startPart("webrtc.port " + std::to_string(config.webrtc.port), [&] { s.fanout->start(); });

  s.startMedia();
  common::log::info("server", "app", "serving",
                    {{"http_port", std::to_string(s.http->port())},
                     {"web_root", web_root.string()},
                     {"data_dir", config.data_dir}});
  if (config.demo) s.logDemo();
}

void App::waitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  common::log::info("server", "app", "shutting down", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
}

void App::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  const auto t0 = std::chrono::steady_clock::now();
  auto onMedia = [&s](auto task) {
    if (!s.media_thread.joinable()) return;
    try {
      runOn(s.media_loop, std::move(task));
    } catch (const std::exception& e) {
      common::log::error("server", "app", "shutdown step failed", {{"error", e.what()}});
    }
  };
  // 1. Stop accepting: RTMP, SRT, HTTP.
  onMedia([&s] {
    if (s.rtmp) s.rtmp->stop();
    if (s.srt) s.srt->stop();
  });
  if (s.http) s.http->stop();
  // 2. End the broadcasts, 3. stop the demo, then free media's objects on their own loop.
  onMedia([&s] {
    s.media_up = false;
    if (s.media) s.media->shutdown();
    if (s.demo) s.demo->stop();
    s.demo.reset();
    if (s.whip_gateway) s.whip_gateway->setIngest(nullptr);
    s.whip.reset();
    s.srt.reset();
    s.rtmp.reset();
    s.media.reset();
  });
  // 4. Stop the loops and join.
  s.media_guard.reset();
  s.media_loop.stop();
  if (s.media_thread.joinable()) s.media_thread.join();
  // 5. The fan-out after media (ending the broadcasts ended its rooms): close the viewers, join the workers.
  if (s.fanout) s.fanout->stop();
  s.fanout.reset();
  s.fanout_relay.reset();
  if (s.admin) s.admin->stop();
  s.signaling.reset();
  s.relay.reset();
  s.admin.reset();
  s.http.reset();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  common::log::info("server", "app", "stopped", {{"took_ms", std::to_string(ms.count())}});
}

}  // namespace airclass::server
