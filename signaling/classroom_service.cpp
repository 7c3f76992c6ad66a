#include "signaling/classroom_service.hpp"

#include <algorithm>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "signaling/protocol_codec.hpp"

namespace airclass::signaling {
namespace {

using common::Error;
using common::ErrorCode;
using common::Role;
namespace p = protocol;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool startsWithBearer(std::string_view header) {
  if (header.size() < 7) return false;
  std::string prefix(header.substr(0, 7));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
  return prefix == "bearer ";
}

}  // namespace

ClassroomService::Settings ClassroomService::settingsFrom(const common::Config::Signaling& c) {
  Settings s;
  s.heartbeat_timeout_s = c.heartbeat_timeout_s;
  s.resume_grace_s = c.resume_grace_s;
  s.max_message_bytes = static_cast<size_t>(std::max(c.max_message_bytes, 256));
  s.qna_history = static_cast<size_t>(std::max(c.qna_history, 1));
  s.question_max_chars = c.question_max_chars;
  s.questions_per_minute = c.questions_per_minute;
  s.messages_per_second = c.messages_per_second;
  s.attendance_min_ratio = c.attendance_min_ratio;
  s.students_see_roster = c.students_see_roster;
  return s;
}

ClassroomService::ClassroomService(Settings settings, std::string secret, const Clock& clock, SignalingStore& store,
                                   PeerSink& sink)
    : settings_(settings),
      secret_(std::move(secret)),
      clock_(clock),
      store_(store),
      sink_(sink),
      next_ids_(store.nextIds()) {}

ClassroomService::~ClassroomService() = default;

// ---------------------------------------------------------------- output helpers

FramePtr ClassroomService::frame(const std::string& re, p::ServerBody body) {
  return Frame::make(p::encodeServer(p::ServerMessage{re, std::move(body)}));
}

void ClassroomService::reply(PeerId peer, const std::string& re, p::ServerBody body) {
  sink_.send(peer, frame(re, std::move(body)));
}

void ClassroomService::replyError(PeerId peer, const std::string& re, ErrorCode code, const std::string& message) {
  reply(peer, re, p::ErrorReply{code, message});
}

void ClassroomService::kick(PeerId peer, CloseCode code, const std::string& reason) {
  Peer* p = findPeer(peer);
  if (!p) return;
  int64_t left = code == CloseCode::PolicyViolation ? p->last_activity_ms : clock_.nowMs();
  sink_.close(peer, code, reason);
  disconnect(peer, left, true);
}

ClassroomService::Peer* ClassroomService::findPeer(PeerId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

Room* ClassroomService::findRoom(const std::string& name) {
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second.get();
}

Room& ClassroomService::room(const std::string& name) {
  if (Room* r = findRoom(name)) return *r;
  QnaBoard::Limits limits{settings_.qna_history, settings_.question_max_chars, settings_.questions_per_minute};
  auto board = std::make_unique<QnaBoard>(name, limits, store_.loadQuestions(name, settings_.qna_history));
  auto& slot = rooms_[name];
  slot = std::make_unique<Room>(name, std::move(board));
  return *slot;
}

bool ClassroomService::seesRoster(Role role) const { return isModerator(role) || settings_.students_see_roster; }

p::PresenceView ClassroomService::presenceFor(const Room& r, Role role) const {
  p::PresenceView view;
  view.counts = r.counts;
  if (seesRoster(role)) {
    std::vector<p::ParticipantView> list;
    list.reserve(r.participants.size());
    for (const auto& [peer_id, peer_role] : r.participants) {
      auto it = peers_.find(peer_id);
      if (it == peers_.end()) continue;
      list.push_back(p::ParticipantView{it->second.claims.sub, it->second.claims.name, peer_role});
    }
    view.participants = std::move(list);
  }
  return view;
}

// ---------------------------------------------------------------- transport events

void ClassroomService::onOpen(PeerId id, std::string_view authorization) {
  int64_t now = clock_.nowMs();
  Peer peer;
  peer.last_activity_ms = now;
  peer.tokens = 2.0 * settings_.messages_per_second;
  peer.tokens_ms = now;
  peers_[id] = std::move(peer);
  if (authorization.empty()) return;
  if (!startsWithBearer(authorization)) {
    replyError(id, "", ErrorCode::Unauthorized, "Authorization header must be \"Bearer <token>\"");
    kick(id, CloseCode::PolicyViolation, "unauthorized");
    return;
  }
  authenticate(id, peers_[id], authorization.substr(7), "");
}

void ClassroomService::onMessageTooLarge(PeerId id) {
  if (!findPeer(id)) return;
  replyError(id, "", ErrorCode::TooLarge,
             "message larger than " + std::to_string(settings_.max_message_bytes) + " bytes");
}

void ClassroomService::onMessage(PeerId id, std::string_view text) {
  Peer* peer = findPeer(id);
  if (!peer) return;
  int64_t now = clock_.nowMs();
  peer->last_activity_ms = now;

  // Flood control: a token bucket per connection.
  const double rate = std::max(settings_.messages_per_second, 1);
  peer->tokens = std::min(2.0 * rate, peer->tokens + static_cast<double>(now - peer->tokens_ms) * rate / 1000.0);
  peer->tokens_ms = now;
  if (peer->tokens < 1.0) {
    if (now - peer->last_rate_error_ms >= 1000) {
      peer->last_rate_error_ms = now;
      replyError(id, "", ErrorCode::RateLimited, "too many messages: slow down");
    }
    return;
  }
  peer->tokens -= 1.0;

  auto decoded = p::decodeClient(text, settings_.max_message_bytes);
  if (auto* err = std::get_if<p::DecodeError>(&decoded)) {
    replyError(id, err->id, err->code, err->message);
    if (peer->state == State::Connected) kick(id, CloseCode::PolicyViolation, "unauthenticated");
    return;
  }
  const auto& message = std::get<p::ClientMessage>(decoded);
  if (peer->state == State::Connected && !std::holds_alternative<p::Auth>(message.body)) {
    replyError(id, message.id, ErrorCode::Unauthorized, "authenticate first (an \"auth\" message)");
    kick(id, CloseCode::PolicyViolation, "unauthenticated");
    return;
  }
  if (peer->interval_id && now - peer->last_touch_ms >= 1000) {  // heartbeat for crash recovery, ~1/s at most
    peer->last_touch_ms = now;
    store_.touchInterval(peer->interval_id, now);
  }
  try {
    dispatch(id, *peer, message);
  } catch (const Error& e) {
    if (findPeer(id)) replyError(id, message.id, e.code(), e.what());
  }
}

void ClassroomService::onClose(PeerId id) { disconnect(id, clock_.nowMs(), true); }

void ClassroomService::disconnect(PeerId id, int64_t left_ms, bool keep_for_resume) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  int64_t now = clock_.nowMs();
  stats_subscribers_.erase(id);
  if (peer.state == State::Joined) {
    if (Room* r = findRoom(peer.room)) {
      r->remove(id);
      if (keep_for_resume && !peer.resume_token.empty()) {
        suspended_[peer.resume_token] =
            Suspended{peer.claims, peer.room, peer.interval_id, left_ms, now + settings_.resume_grace_s * 1000LL};
        r->suspended += 1;
        peer.interval_id = 0;  // now owned by the suspended record
      }
    }
    live_tokens_.erase(peer.resume_token);
    closeInterval(peer.interval_id, left_ms);
    leaves_ += 1;
  }
  peers_.erase(it);
}

// ---------------------------------------------------------------- requests

void ClassroomService::dispatch(PeerId id, Peer& peer, const p::ClientMessage& m) {
  const std::string& re = m.id;
  auto requireJoined = [&] {
    if (peer.state != State::Joined) throw Error(ErrorCode::Conflict, "join a room first");
  };
  std::visit(Overloaded{
                 [&](const p::Auth& a) {
                   if (peer.state != State::Connected) throw Error(ErrorCode::Conflict, "already authenticated");
                   authenticate(id, peer, a.token, re);
                 },
                 [&](const p::Join& j) {
                   if (peer.state == State::Joined) throw Error(ErrorCode::Conflict, "already in a room: leave first");
                   join(id, peer, j.room, re);
                 },
                 [&](const p::Leave&) {
                   requireJoined();
                   leave(id, peer);
                   reply(id, re, p::Left{});
                 },
                 [&](const p::Resume& r) {
                   if (peer.state == State::Joined) throw Error(ErrorCode::Conflict, "already in a room");
                   resume(id, peer, r, re);
                 },
                 [&](const p::Ping&) { reply(id, re, p::Pong{clock_.nowMs()}); },
                 [&](const p::SubscribeStats& s) {
                   if (peer.claims.role != Role::Admin) throw Error(ErrorCode::Forbidden, "stats are for admins");
                   peer.stats = s.enabled;
                   if (s.enabled) {
                     refreshStats();
                     stats_subscribers_.insert(id);
                     if (admin_) sink_.send(id, admin_->snapshot(re));
                   } else {
                     stats_subscribers_.erase(id);
                     reply(id, re, p::Ok{});
                   }
                 },
                 [&](const auto&) {
                   requireJoined();
                   qna(id, peer, m.body, re);
                 },
             },
             m.body);
}

void ClassroomService::authenticate(PeerId id, Peer& peer, std::string_view token, const std::string& re) {
  try {
    peer.claims = common::verifyToken(token, secret_, clock_.nowMs() / 1000);
  } catch (const Error& e) {
    replyError(id, re, ErrorCode::Unauthorized, e.what());
    kick(id, CloseCode::PolicyViolation, "unauthorized");
    return;
  }
  peer.state = State::Authed;
  reply(id, re, p::AuthOk{peer.claims.sub, peer.claims.name, peer.claims.role, peer.claims.room});
}

void ClassroomService::openInterval(Peer& peer, Room& r, int64_t now) {
  if (peer.claims.role != Role::Student || !r.live || peer.interval_id) return;
  IntervalRecord iv;
  iv.id = next_ids_.interval++;
  iv.session_id = r.session_id;
  iv.user = peer.claims.sub;
  iv.name = peer.claims.name;
  iv.join_ms = now;
  iv.last_seen_ms = now;
  store_.openInterval(iv);
  peer.interval_id = iv.id;
}

void ClassroomService::closeInterval(uint64_t& interval_id, int64_t at_ms) {
  if (!interval_id) return;
  store_.closeInterval(interval_id, at_ms);
  interval_id = 0;
}

void ClassroomService::join(PeerId id, Peer& peer, const std::string& room_name, const std::string& re) {
  if (!common::mayJoin(peer.claims, room_name)) {
    throw Error(ErrorCode::Forbidden, "join: this token is not for room " + room_name);
  }
  int64_t now = clock_.nowMs();
  Room& r = room(room_name);
  if (r.banned.count(peer.claims.sub)) throw Error(ErrorCode::Forbidden, "join: removed from the room by an admin");
  peer.state = State::Joined;
  peer.room = room_name;
  peer.resume_token = common::randomSecret(16);
  live_tokens_[peer.resume_token] = id;
  r.add(id, peer.claims.role);
  joins_ += 1;
  openInterval(peer, r, now);

  p::Joined j;
  j.room = room_name;
  j.role = peer.claims.role;
  j.resume_token = peer.resume_token;
  j.live = r.live;
  j.hls_url = r.hls_url;
  j.session_id = r.session_id;
  j.last_seq = r.qna->lastSeq();
  j.moderation = r.qna->moderation();
  j.presence = presenceFor(r, peer.claims.role);
  j.questions = r.qna->snapshot(isModerator(peer.claims.role), p::QuestionOrder::Votes);
  j.question_max_chars = settings_.question_max_chars;
  reply(id, re, std::move(j));
  common::log::debug("signaling", "ws", "joined",
                     {{"room", room_name}, {"user", peer.claims.sub}, {"role", common::toString(peer.claims.role)}});
}

void ClassroomService::leave(PeerId id, Peer& peer) {
  int64_t now = clock_.nowMs();
  if (Room* r = findRoom(peer.room)) r->remove(id);
  closeInterval(peer.interval_id, now);
  live_tokens_.erase(peer.resume_token);
  peer.resume_token.clear();
  peer.room.clear();
  peer.state = State::Authed;
  leaves_ += 1;
}

void ClassroomService::resume(PeerId id, Peer& peer, const p::Resume& request, const std::string& re) {
  int64_t now = clock_.nowMs();
  std::string room_name;
  uint64_t interval_id = 0;
  if (auto live = live_tokens_.find(request.resume_token); live != live_tokens_.end()) {
    // The old connection is half-open (not yet timed out): the new one takes its place.
    PeerId old_id = live->second;
    Peer* old = findPeer(old_id);
    if (!old || old_id == id) throw Error(ErrorCode::NotFound, "resume: unknown resume token");
    if (old->claims.sub != peer.claims.sub) throw Error(ErrorCode::Forbidden, "resume: not your session");
    room_name = old->room;
    interval_id = old->interval_id;
    old->interval_id = 0;
    sink_.close(old_id, CloseCode::Normal, "replaced by a resumed connection");
    disconnect(old_id, now, false);
  } else if (auto s = suspended_.find(request.resume_token); s != suspended_.end() && s->second.expires_ms > now) {
    if (s->second.claims.sub != peer.claims.sub) throw Error(ErrorCode::Forbidden, "resume: not your session");
    room_name = s->second.room;
    interval_id = s->second.interval_id;
    if (Room* r = findRoom(room_name)) r->suspended -= 1;
    suspended_.erase(s);
  } else {
    throw Error(ErrorCode::NotFound, "resume: unknown or expired resume token; join again");
  }
  if (!common::mayJoin(peer.claims, room_name)) {
    closeInterval(interval_id, now);
    throw Error(ErrorCode::Forbidden, "resume: this token is not for room " + room_name);
  }

  Room& r = room(room_name);
  peer.state = State::Joined;
  peer.room = room_name;
  peer.resume_token = common::randomSecret(16);
  live_tokens_[peer.resume_token] = id;
  r.add(id, peer.claims.role);
  joins_ += 1;
  peer.interval_id = interval_id;
  if (interval_id) {
    store_.resumeInterval(interval_id, now);  // the interval continues; counted as a reconnect
  } else {
    openInterval(peer, r, now);  // the session changed meanwhile
  }

  const bool mod = isModerator(peer.claims.role);
  auto missed = r.qna->since(request.last_seq);
  std::vector<const QnaBoard::Event*> events;
  if (missed) {
    for (const auto* e : *missed) {
      if (!e->moderators_only || mod) events.push_back(e);
    }
  }
  p::Resumed res{room_name, peer.resume_token, r.live, r.hls_url, events.size(), !missed.has_value(),
                 presenceFor(r, peer.claims.role)};
  reply(id, re, std::move(res));
  if (!missed) {
    reply(id, "", p::Questions{p::QuestionOrder::Votes, r.qna->lastSeq(), r.qna->moderation(),
                               r.qna->snapshot(mod, p::QuestionOrder::Votes)});
  }
  for (const auto* e : events) {
    reply(id, "", p::QnaEvent{e->seq, e->action, mod ? e->for_moderators : e->for_classmates, e->moderation});
  }
}

void ClassroomService::qna(PeerId id, Peer& peer, const p::ClientBody& body, const std::string& re) {
  Room& r = room(peer.room);
  QnaBoard& board = *r.qna;
  int64_t now = clock_.nowMs();
  auto requireModerator = [&](std::string_view what) {
    if (!isModerator(peer.claims.role) || !common::mayModerate(peer.claims, peer.room)) {
      throw Error(ErrorCode::Forbidden, std::string(what) + ": only the room's teacher or an admin may do this");
    }
  };
  auto publish = [&](const QnaBoard::Event& e, uint64_t question_id) {
    if (question_id) store_.saveQuestion(board.question(question_id));
    broadcastQna(r, e);
    reply(id, re, p::Ok{question_id ? std::optional<uint64_t>(question_id) : std::nullopt});
  };
  std::visit(Overloaded{
                 [&](const p::Ask& a) {
                   if (!r.qna_open) throw Error(ErrorCode::Conflict, "the Q&A of this room is closed");
                   uint64_t qid = next_ids_.question;
                   const auto& e = board.ask(peer.claims, a.text, a.anonymous, qid, r.session_id, now);
                   next_ids_.question++;
                   publish(e, qid);
                 },
                 [&](const p::Upvote& u) {
                   const auto& e = board.upvote(peer.claims, u.question_id);
                   store_.addVote(u.question_id, peer.claims.sub);
                   broadcastQna(r, e);
                   reply(id, re, p::Ok{u.question_id});
                 },
                 [&](const p::Answer& a) {
                   requireModerator("answer");
                   publish(board.answer(a.question_id, a.text, now), a.question_id);
                 },
                 [&](const p::Dismiss& d) {
                   requireModerator("dismiss");
                   publish(board.dismiss(d.question_id), d.question_id);
                 },
                 [&](const p::Reopen& o) {
                   requireModerator("reopen");
                   publish(board.reopen(o.question_id), o.question_id);
                 },
                 [&](const p::Pin& x) {
                   requireModerator("pin");
                   publish(board.pin(x.question_id, x.pinned), x.question_id);
                 },
                 [&](const p::Approve& a) {
                   requireModerator("approve");
                   publish(board.approve(a.question_id), a.question_id);
                 },
                 [&](const p::SetModeration& s) {
                   requireModerator("set_moderation");
                   publish(board.setModeration(s.enabled), 0);
                 },
                 [&](const p::ListQuestions& l) {
                   bool mod = isModerator(peer.claims.role);
                   reply(id, re, p::Questions{l.order, board.lastSeq(), board.moderation(), board.snapshot(mod, l.order)});
                 },
                 [](const auto&) { throw Error(ErrorCode::Unsupported, "unexpected message"); },
             },
             body);
}

void ClassroomService::broadcastQna(Room& r, const QnaBoard::Event& e) {
  FramePtr for_mods = frame("", p::QnaEvent{e.seq, e.action, e.for_moderators, e.moderation});
  FramePtr for_classmates;
  if (!e.moderators_only) {
    bool same = !e.for_classmates || (e.for_classmates->author == e.for_moderators->author);
    for_classmates = same ? for_mods : frame("", p::QnaEvent{e.seq, e.action, e.for_classmates, e.moderation});
  }
  for (const auto& [peer_id, role] : r.participants) {
    if (isModerator(role)) {
      sink_.send(peer_id, for_mods);
    } else if (for_classmates) {
      sink_.send(peer_id, for_classmates);
    }
  }
}

// ---------------------------------------------------------------- media events

void ClassroomService::startSession(Room& r, int64_t now) {
  r.live = true;
  r.session_id = next_ids_.session++;
  r.peak = r.counts.total();
  r.last_alive_ms = now;
  store_.insertSession(SessionRecord{r.session_id, r.name, now, std::nullopt, r.peak});
  for (const auto& [peer_id, role] : r.participants) {
    if (Peer* peer = findPeer(peer_id)) openInterval(*peer, r, now);
  }
  common::log::info("signaling", "session", "class session started",
                    {{"room", r.name}, {"session", std::to_string(r.session_id)}});
}

void ClassroomService::onBroadcastStarted(const std::string& room_name, const std::string& hls_url) {
  int64_t now = clock_.nowMs();
  Room& r = room(room_name);
  r.hls_url = hls_url;
  if (!r.live) startSession(r, now);
  FramePtr f = frame("", p::BroadcastStarted{room_name, hls_url, "/whep/" + room_name});
  for (const auto& [peer_id, role] : r.participants) sink_.send(peer_id, f);
}

void ClassroomService::onBroadcastEnded(const std::string& room_name) {
  Room* r = findRoom(room_name);
  if (!r || !r->live) return;
  int64_t now = clock_.nowMs();
  for (const auto& [peer_id, role] : r->participants) {
    if (Peer* peer = findPeer(peer_id)) closeInterval(peer->interval_id, now);
  }
  for (auto& [token, s] : suspended_) {
    if (s.room == room_name) closeInterval(s.interval_id, std::min(s.left_ms, now));
  }
  store_.endSession(r->session_id, now, r->peak);
  common::log::info("signaling", "session", "class session ended",
                    {{"room", room_name}, {"session", std::to_string(r->session_id)}, {"peak", std::to_string(r->peak)}});
  r->live = false;
  r->session_id = 0;
  r->hls_url.clear();
  r->banned.clear();
  FramePtr f = frame("", p::BroadcastStopped{room_name});
  for (const auto& [peer_id, role] : r->participants) sink_.send(peer_id, f);
}

// ---------------------------------------------------------------- time

void ClassroomService::expireSuspended(int64_t now) {
  for (auto it = suspended_.begin(); it != suspended_.end();) {
    if (it->second.expires_ms > now) {
      ++it;
      continue;
    }
    closeInterval(it->second.interval_id, it->second.left_ms);
    if (Room* r = findRoom(it->second.room)) r->suspended -= 1;
    it = suspended_.erase(it);
  }
}

void ClassroomService::flushPresence(Room& r, int64_t now, bool force) {
  if (!r.presence_dirty) return;
  if (!force && now - r.last_presence_ms < settings_.presence_interval_ms) return;
  r.presence_dirty = false;
  r.last_presence_ms = now;
  FramePtr for_mods = frame("", p::Presence{r.name, presenceFor(r, Role::Teacher)});
  FramePtr for_students =
      settings_.students_see_roster ? for_mods : frame("", p::Presence{r.name, presenceFor(r, Role::Student)});
  for (const auto& [peer_id, role] : r.participants) sink_.send(peer_id, isModerator(role) ? for_mods : for_students);
}

void ClassroomService::flushStats(int64_t now) {
  if (!admin_ || now - last_stats_ms_ < 1000) return;
  last_stats_ms_ = now;
  FramePtr f = admin_->tick(now, memberRooms());  // every second, subscribers or not: it keeps the history
  for (PeerId id : stats_subscribers_) sink_.send(id, f);
}

void ClassroomService::refreshStats() {
  last_stats_ms_ = 0;
  flushStats(clock_.nowMs());
}

std::vector<MemberRoom> ClassroomService::memberRooms() const {
  std::vector<MemberRoom> out;
  out.reserve(rooms_.size());
  for (const auto& [name, r] : rooms_) {
    if (r->participants.empty() && !r->live) continue;
    MemberRoom m{name, r->live, r->session_id, r->counts, r->qna_open, {}, {}};
    m.students.reserve(static_cast<size_t>(r->counts.students));
    for (const auto& [peer_id, role] : r->participants) {
      auto it = peers_.find(peer_id);
      if (it == peers_.end()) continue;
      (role == Role::Student ? m.students : m.staff).push_back(it->second.claims.sub);
    }
    out.push_back(std::move(m));
  }
  return out;
}

int ClassroomService::kickUser(const std::string& room_name, const std::string& user) {
  Room* r = findRoom(room_name);
  if (!r) return 0;
  int64_t now = clock_.nowMs();
  std::vector<PeerId> ids;
  for (const auto& [peer_id, role] : r->participants) {
    if (Peer* peer = findPeer(peer_id); peer && peer->claims.sub == user) ids.push_back(peer_id);
  }
  for (PeerId id : ids) {
    replyError(id, "", ErrorCode::Forbidden, "removed from the room by an admin");
    sink_.close(id, CloseCode::Kicked, "removed by an admin");
    disconnect(id, now, false);
  }
  size_t suspended = 0;
  for (auto it = suspended_.begin(); it != suspended_.end();) {  // no resume into the room either
    if (it->second.room == room_name && it->second.claims.sub == user) {
      closeInterval(it->second.interval_id, it->second.left_ms);
      r->suspended -= 1;
      it = suspended_.erase(it);
      ++suspended;
    } else {
      ++it;
    }
  }
  if (ids.empty() && suspended == 0) return 0;
  r->banned.insert(user);
  common::log::info("signaling", "admin", "user removed", {{"room", room_name}, {"user", user},
                                                           {"connections", std::to_string(ids.size())}});
  return static_cast<int>(ids.size() + suspended);
}

bool ClassroomService::setQnaOpen(const std::string& room_name, bool open) {
  Room* r = findRoom(room_name);
  if (!r) return false;
  r->qna_open = open;
  FramePtr f = frame("", p::QnaState{room_name, open});
  for (const auto& [peer_id, role] : r->participants) sink_.send(peer_id, f);
  return true;
}

void ClassroomService::tick() {
  int64_t now = clock_.nowMs();
  const int64_t timeout = settings_.heartbeat_timeout_s * 1000LL;
  std::vector<PeerId> silent;
  for (const auto& [id, peer] : peers_) {
    if (now - peer.last_activity_ms > timeout) silent.push_back(id);
  }
  for (PeerId id : silent) kick(id, CloseCode::PolicyViolation, "heartbeat timeout");
  expireSuspended(now);
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    Room& r = *it->second;
    flushPresence(r, now, false);
    if (r.live && now - r.last_alive_ms >= 1000) {
      r.last_alive_ms = now;
      store_.sessionAlive(r.session_id, now, r.peak);
    }
    it = r.idle() && !r.presence_dirty ? rooms_.erase(it) : std::next(it);
  }
  flushStats(now);
}

void ClassroomService::shutdown() {
  int64_t now = clock_.nowMs();
  for (auto& [name, r] : rooms_) onBroadcastEnded(name);
  std::vector<PeerId> ids;
  for (const auto& [id, peer] : peers_) ids.push_back(id);
  for (PeerId id : ids) {
    sink_.close(id, CloseCode::GoingAway, "server shutting down");
    disconnect(id, now, false);
  }
  for (auto& [token, s] : suspended_) closeInterval(s.interval_id, s.left_ms);
  suspended_.clear();
  rooms_.clear();
  store_.flush();
}

}  // namespace airclass::signaling
