// The classroom domain: maps (peer, incoming message, now) to outgoing messages addressed to peers — auth,
// join/leave, presence, heartbeats, resume, broadcast events, attendance intervals, Q&A and admin stats.
// Does no I/O itself: frames go to a PeerSink, durable records to the SignalingStore's queue.
// Lws service thread only.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/auth.hpp"
#include "common/config.hpp"
#include "signaling/admin_stats.hpp"
#include "signaling/clock.hpp"
#include "signaling/peer_sink.hpp"
#include "signaling/protocol.hpp"
#include "signaling/room.hpp"
#include "signaling/signaling_store.hpp"

namespace airclass::signaling {

class ClassroomService {
 public:
  struct Settings {
    int heartbeat_timeout_s = 30;
    int resume_grace_s = 60;
    size_t max_message_bytes = 16 * 1024;
    size_t qna_history = 500;
    int question_max_chars = 500;
    int questions_per_minute = 5;
    int messages_per_second = 20;  // per connection; bursts up to twice that
    double attendance_min_ratio = 0.8;
    bool students_see_roster = false;
    int presence_interval_ms = 1000;  // coalescing window for presence and stats events
  };
  static Settings settingsFrom(const common::Config::Signaling& config);

  ClassroomService(Settings settings, std::string secret, const Clock& clock, SignalingStore& store,
                   PeerSink& sink);
  ~ClassroomService();
  ClassroomService(const ClassroomService&) = delete;
  ClassroomService& operator=(const ClassroomService&) = delete;

  // Transport events. `authorization` is the upgrade request's Authorization header ("" when absent).
  void onOpen(PeerId peer, std::string_view authorization);
  void onMessage(PeerId peer, std::string_view text);
  void onMessageTooLarge(PeerId peer);  // the transport discarded a message over max_message_bytes
  void onClose(PeerId peer);

  // From the media side (via the server), on this thread.
  void onBroadcastStarted(const std::string& room, const std::string& hls_url);
  void onBroadcastEnded(const std::string& room);

  void tick();      // heartbeat timeouts, resume grace expiry, coalesced presence and stats, session liveness
  void shutdown();  // close every connection and open interval and session (clean stop)

  // Admin side. The stats source gets a tick once a second; its delta goes to every stats subscriber.
  void setAdminStats(AdminStats* admin) { admin_ = admin; }
  void refreshStats();  // an immediate tick (before a snapshot is read)
  std::vector<MemberRoom> memberRooms() const;
  bool hasRoom(const std::string& room) const { return rooms_.count(room) > 0; }
  uint64_t liveSession(const std::string& room) const {  // 0: not live
    auto it = rooms_.find(room);
    return it == rooms_.end() ? 0 : it->second->session_id;
  }
  // Closes `user`'s connections in `room` (no resume) and refuses their joins until the session ends.
  // Returns the connections (and suspended sessions) closed; 0: the user is not in the room (nothing done).
  int kickUser(const std::string& room, const std::string& user);
  // Closes or reopens the room's Q&A; false when the room is unknown.
  bool setQnaOpen(const std::string& room, bool open);
  uint64_t joins() const { return joins_; }
  uint64_t leaves() const { return leaves_; }
  const Settings& settings() const { return settings_; }
  size_t connectionCount() const { return peers_.size(); }

 private:
  enum class State { Connected, Authed, Joined };
  struct Peer {
    State state = State::Connected;
    common::Claims claims;
    std::string room;
    std::string resume_token;
    uint64_t interval_id = 0;  // open attendance interval (students in a live session)
    int64_t last_activity_ms = 0;
    double tokens = 0;
    int64_t tokens_ms = 0;
    int64_t last_rate_error_ms = -1'000'000;
    int64_t last_touch_ms = 0;
    bool stats = false;
  };
  struct Suspended {
    common::Claims claims;
    std::string room;
    uint64_t interval_id = 0;
    int64_t left_ms = 0;  // when it stopped being present: where its interval ends if it never comes back
    int64_t expires_ms = 0;
  };

  void dispatch(PeerId id, Peer& peer, const protocol::ClientMessage& message);
  void authenticate(PeerId id, Peer& peer, std::string_view token, const std::string& re);
  void join(PeerId id, Peer& peer, const std::string& room_name, const std::string& re);
  void resume(PeerId id, Peer& peer, const protocol::Resume& request, const std::string& re);
  void leave(PeerId id, Peer& peer);
  void qna(PeerId id, Peer& peer, const protocol::ClientBody& body, const std::string& re);
  void disconnect(PeerId id, int64_t left_ms, bool keep_for_resume);
  void expireSuspended(int64_t now);
  void flushPresence(Room& room, int64_t now, bool force);
  void flushStats(int64_t now);
  void startSession(Room& room, int64_t now);
  void openInterval(Peer& peer, Room& room, int64_t now);
  void closeInterval(uint64_t& interval_id, int64_t at_ms);

  Room& room(const std::string& name);
  Room* findRoom(const std::string& name);
  Peer* findPeer(PeerId id);
  bool seesRoster(common::Role role) const;
  bool isModerator(common::Role role) const { return role != common::Role::Student; }
  protocol::PresenceView presenceFor(const Room& room, common::Role role) const;
  void broadcastQna(Room& room, const QnaBoard::Event& event);
  void reply(PeerId peer, const std::string& re, protocol::ServerBody body);
  void replyError(PeerId peer, const std::string& re, common::ErrorCode code, const std::string& message);
  void kick(PeerId peer, CloseCode code, const std::string& reason);
  static FramePtr frame(const std::string& re, protocol::ServerBody body);

  Settings settings_;
  std::string secret_;
  const Clock& clock_;
  SignalingStore& store_;
  PeerSink& sink_;
  SignalingStore::NextIds next_ids_;
  std::map<PeerId, Peer> peers_;
  std::map<std::string, std::unique_ptr<Room>> rooms_;
  std::map<std::string, PeerId> live_tokens_;       // resume token -> joined connection
  std::map<std::string, Suspended> suspended_;      // resume token -> within its grace window
  std::set<PeerId> stats_subscribers_;
  AdminStats* admin_ = nullptr;
  int64_t last_stats_ms_ = 0;
  uint64_t joins_ = 0;
  uint64_t leaves_ = 0;
};

}  // namespace airclass::signaling
