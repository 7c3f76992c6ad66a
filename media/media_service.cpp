#include "media/media_service.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "media/hls/hls_store.hpp"
#include "media/ingest_meter.hpp"
#include "media/room_media.hpp"

namespace airclass::media {

namespace {

constexpr const char* kComponent = "media";
constexpr const char* kTopic = "publish";
// An ended room's HLS stays this long so players still polling see EXT-X-ENDLIST.
constexpr std::chrono::seconds kEndedRoomLinger{30};
constexpr size_t kMaxRoomName = 64;

bool validRoomName(const std::string& room) {
  if (room.empty() || room.size() > kMaxRoomName) return false;
  return std::all_of(room.begin(), room.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct MediaService::Impl {
  // A room with a broadcast: live, or waiting out the reconnect grace window.
  struct Broadcast {
    explicit Broadcast(boost::asio::io_context& loop) : grace(loop) {}
    std::unique_ptr<RoomMedia> media;
    boost::asio::steady_timer grace;
    uint64_t publisher = 0;  // the current Publication's id
    bool started = false;    // the room accepted the first video config: listed and announced from then on
    RoomSummary summary;
    IngestMeter meter;
  };

  // The Publication handed to an ingest. Holds the broadcast weakly: after the broadcast ended (grace
  // expired, shutdown) its calls go nowhere.
  class RoomPublication final : public ingest::Publication {
   public:
    RoomPublication(Impl& impl, std::weak_ptr<Broadcast> broadcast, uint64_t id)
        : impl_(impl), broadcast_(std::move(broadcast)), id_(id) {}
    ~RoomPublication() override {
      if (auto b = current()) impl_.publisherGone(b);
    }
    void onVideoConfig(const VideoConfig& config) override {
      if (auto b = live()) {
        b->media->onVideoConfig(config);  // throws on a config the room cannot take: nothing is announced
        impl_.broadcastStarted(*b);
      }
    }
    void onAudioConfig(const AudioConfig& config) override {
      if (auto b = live()) b->media->onAudioConfig(config);
    }
    void onFrame(const EncodedFrame& frame) override {
      if (auto b = live()) {
        b->meter.onFrame(nowUnixMs(), frame.kind == TrackKind::Video, frame.data ? frame.data->size() : 0);
        b->media->onFrame(frame);
      }
    }

   private:
    // The broadcast, or an error that makes the ingest disconnect: it was ended under the publisher (an admin).
    std::shared_ptr<Broadcast> live() const {
      auto b = current();
      if (!b && broadcast_.expired()) {
        throw common::Error(common::ErrorCode::Unavailable, "publish: the broadcast was ended");
      }
      return b;
    }
    std::shared_ptr<Broadcast> current() const {
      auto b = broadcast_.lock();
      return b && b->publisher == id_ && b->media ? b : nullptr;
    }
    Impl& impl_;  // outlives every Broadcast it owns
    std::weak_ptr<Broadcast> broadcast_;
    uint64_t id_;
  };

  Impl(boost::asio::io_context& io, const common::Config& cfg, hls::HlsStore& store, webrtc::FanoutInput* out)
      : loop(io), config(cfg), hls(store), fanout(out) {
    list.store(std::make_shared<const RoomList>());
    meterTick();
  }

  // Once a second: the ingest meters into the published summaries.
  void meterTick() {
    meter_timer.expires_after(std::chrono::seconds(1));
    meter_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shut_down) return;
      const int64_t now = nowUnixMs();
      for (auto& [room, b] : broadcasts) {
        b->summary.ingest_kbps = b->summary.live ? b->meter.bitrateKbps(now) : 0;
        b->summary.ingest_fps = b->summary.live ? b->meter.fps(now) : 0;
        b->summary.dropped_frames = b->media ? b->media->droppedFrames() : 0;
      }
      if (!broadcasts.empty()) publishList();
      meterTick();
    });
  }

  std::unique_ptr<ingest::Publication> publish(const ingest::PublishRequest& request) {
    if (shut_down) throw common::Error(common::ErrorCode::Unavailable, "media: shutting down");
    if (!validRoomName(request.room)) {
      throw common::Error(common::ErrorCode::BadRequest, "publish: bad room name (1-64 of A-Z a-z 0-9 - _)");
    }
    const auto claims = common::verifyToken(request.token, config.auth.secret, nowUnixMs() / 1000);
    if (!common::mayPublish(claims, request.room)) {
      throw common::Error(common::ErrorCode::Forbidden, "publish: token may not publish to room " + request.room);
    }
    const uint64_t id = next_publisher++;
    const std::string teacher = claims.name.empty() ? claims.sub : claims.name;
    std::shared_ptr<Broadcast> b;
    if (auto it = broadcasts.find(request.room); it != broadcasts.end()) {
      b = it->second;
      if (b->summary.live) {
        throw common::Error(common::ErrorCode::Conflict, "room " + request.room + " is already live");
      }
      b->grace.cancel();
      b->publisher = id;
      b->summary.live = true;
      b->summary.protocol = request.protocol;
      b->summary.teacher = teacher;
      b->media->beginPublication();
      common::log::info(kComponent, kTopic, "publisher resumed the broadcast",
                        {{"room", request.room}, {"protocol", request.protocol}, {"peer", request.peer}});
      publishList();
    } else {
      if (auto removal = removals.find(request.room); removal != removals.end()) {
        removals.erase(removal);  // a new broadcast replaces the ended one's lingering playlists now
        hls.removeRoom(request.room);
      }
      b = std::make_shared<Broadcast>(loop);
      const std::string room = request.room;
      b->media =
          std::make_unique<RoomMedia>(loop, config, hls, room, [this, room] { refreshSummary(room); }, fanout);
      b->media->beginPublication();
      b->publisher = id;
      b->summary.room = room;
      b->summary.live = true;
      b->summary.protocol = request.protocol;
      b->summary.teacher = teacher;
      broadcasts[room] = b;
      common::log::info(kComponent, kTopic, "publish accepted",
                        {{"room", room}, {"protocol", request.protocol}, {"peer", request.peer},
                         {"teacher", teacher}});
    }
    return std::make_unique<RoomPublication>(*this, b, id);
  }

  // The first video config was accepted: from now on the broadcast is listed, announced and kept through
  // reconnects. A publisher refused before this (bad codec, absurd size) leaves no trace.
  void broadcastStarted(Broadcast& b) {
    if (b.started) return;
    b.started = true;
    b.summary.started_at_ms = nowUnixMs();
    common::log::info(kComponent, kTopic, "broadcast started",
                      {{"room", b.summary.room}, {"protocol", b.summary.protocol}, {"teacher", b.summary.teacher}});
    publishList();
    if (listener) listener->onBroadcastStarted(b.summary);
  }

  void publisherGone(const std::shared_ptr<Broadcast>& b) {
    b->summary.live = false;
    b->publisher = 0;
    const std::string room = b->summary.room;
    if (!b->started) {  // never went live: nothing to resume, nothing to announce
      broadcasts.erase(room);
      b->media->finish();
      hls.removeRoom(room);
      return;
    }
    common::log::info(kComponent, kTopic, "publisher left; waiting for a reconnect",
                      {{"room", room}, {"grace_s", std::to_string(config.ingest.reconnect_grace_s)}});
    b->grace.expires_after(std::chrono::seconds(config.ingest.reconnect_grace_s));
    b->grace.async_wait([this, weak = std::weak_ptr<Broadcast>(b), room](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: resumed, ended, or the service is gone
      auto still = weak.lock();
      if (still && !still->summary.live) endBroadcast(room, true);
    });
    publishList();
  }

  void endBroadcast(std::string room, bool linger) {  // by value: callers may pass a key of the map
    auto it = broadcasts.find(room);
    if (it == broadcasts.end()) return;
    auto b = it->second;
    broadcasts.erase(it);
    b->grace.cancel();
    b->media->finish();
    common::log::info(kComponent, kTopic, "broadcast ended", {{"room", room}});
    if (linger) {
      auto timer = std::make_unique<boost::asio::steady_timer>(loop, kEndedRoomLinger);
      timer->async_wait([this, room, t = timer.get()](const boost::system::error_code& ec) {
        if (ec) return;
        auto found = removals.find(room);
        if (found == removals.end() || found->second.get() != t) return;
        removals.erase(found);
        hls.removeRoom(room);
      });
      removals[room] = std::move(timer);
    }
    publishList();
    if (listener && b->started) listener->onBroadcastEnded(room);
  }

  void refreshSummary(const std::string& room) {
    auto it = broadcasts.find(room);
    if (it == broadcasts.end()) return;
    it->second->summary.renditions = it->second->media->renditions();
    publishList();
  }

  void publishList() {
    auto next = std::make_shared<RoomList>();
    for (const auto& [room, b] : broadcasts) {
      if (b->started) next->push_back(b->summary);
    }
    list.store(std::move(next));
  }

  void shutdown() {
    shut_down = true;
    meter_timer.cancel();
    while (!broadcasts.empty()) endBroadcast(broadcasts.begin()->first, false);
    removals.clear();
  }

  boost::asio::io_context& loop;
  const common::Config& config;
  hls::HlsStore& hls;
  webrtc::FanoutInput* fanout;
  MediaListener* listener = nullptr;
  std::map<std::string, std::shared_ptr<Broadcast>> broadcasts;
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>> removals;  // ended rooms' HLS, lingering
  std::atomic<std::shared_ptr<const RoomList>> list;
  boost::asio::steady_timer meter_timer{loop};
  uint64_t next_publisher = 1;
  bool shut_down = false;
};

MediaService::MediaService(boost::asio::io_context& loop, const common::Config& config, hls::HlsStore& hls,
                           webrtc::FanoutInput* fanout)
    : impl_(std::make_unique<Impl>(loop, config, hls, fanout)) {}

MediaService::~MediaService() {
  impl_->meter_timer.cancel();
  // Timers cancelled with their owners: their handlers see operation_aborted and touch nothing.
  impl_->removals.clear();
  impl_->broadcasts.clear();
}

std::unique_ptr<ingest::Publication> MediaService::publish(const ingest::PublishRequest& request) {
  return impl_->publish(request);
}

void MediaService::setListener(MediaListener* listener) { impl_->listener = listener; }

void MediaService::requestKeyframe(const std::string& room, const std::string& rendition) {
  auto it = impl_->broadcasts.find(room);
  if (it != impl_->broadcasts.end() && it->second->media) it->second->media->requestKeyframe(rendition);
}

void MediaService::shutdown() { impl_->shutdown(); }

bool MediaService::endBroadcast(const std::string& room) {
  if (impl_->broadcasts.find(room) == impl_->broadcasts.end()) return false;
  common::log::info(kComponent, kTopic, "broadcast ended by an admin", {{"room", room}});
  impl_->endBroadcast(room, true);
  return true;
}

std::shared_ptr<const RoomList> MediaService::rooms() const { return impl_->list.load(); }

}  // namespace airclass::media
