// One room's live classroom state: who is present (by connection), the live session, coalescing of presence
// updates, peak concurrency and its Q&A board. Owned by ClassroomService; lws service thread.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/auth.hpp"
#include "signaling/peer_sink.hpp"
#include "signaling/protocol.hpp"
#include "signaling/qna_board.hpp"

namespace airclass::signaling {

struct Room {
  explicit Room(std::string room_name, std::unique_ptr<QnaBoard> board)
      : name(std::move(room_name)), qna(std::move(board)) {}

  std::string name;
  std::map<PeerId, common::Role> participants;  // joined connections
  protocol::Counts counts;
  bool live = false;
  std::string hls_url;
  uint64_t session_id = 0;
  int peak = 0;  // in the current session
  bool presence_dirty = false;
  int64_t last_presence_ms = 0;
  int64_t last_alive_ms = 0;  // last sessionAlive() written to the store
  int suspended = 0;          // participants within their resume grace window
  bool qna_open = true;       // false after an admin closed the Q&A: asks are refused
  std::set<std::string> banned;  // users an admin removed, refused until the session ends
  std::unique_ptr<QnaBoard> qna;

  void add(PeerId peer, common::Role role) {
    if (!participants.emplace(peer, role).second) return;
    count(role) += 1;
    presence_dirty = true;
    if (live) peak = std::max(peak, counts.total());
  }
  void remove(PeerId peer) {
    auto it = participants.find(peer);
    if (it == participants.end()) return;
    count(it->second) -= 1;
    participants.erase(it);
    presence_dirty = true;
  }
  int& count(common::Role role) {
    switch (role) {
      case common::Role::Teacher: return counts.teachers;
      case common::Role::Admin: return counts.admins;
      case common::Role::Student: break;
    }
    return counts.students;
  }
  bool idle() const { return participants.empty() && !live && suspended == 0; }
};

}  // namespace airclass::signaling
