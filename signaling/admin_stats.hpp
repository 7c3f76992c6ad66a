// The admin view of every room (the `stats` message): joins signaling's members with the media feed, counts
// the de-duplicated audience (ViewerCounter) and keeps its history (Audience), persists per-minute samples, and
// encodes once a second one delta event for all subscribers (only rooms and top-level fields that changed) and,
// on demand, the full snapshot as of the last tick. Also answers the viewer history. The tick reuses its
// buffers and each room's state between seconds: at 1,000 rooms it allocates little beyond the event itself.
// Lws service thread.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signaling/audience.hpp"
#include "signaling/frame.hpp"
#include "signaling/media_feed.hpp"
#include "signaling/protocol.hpp"
#include "signaling/viewer_counter.hpp"

namespace airclass::signaling {

class SignalingStore;

// Signaling's side of a room at a tick (built by ClassroomService; views into its state, valid for the call).
struct MemberRoom {
  std::string_view room;
  bool live = false;
  uint64_t session_id = 0;
  protocol::Counts counts;
  bool qna_open = true;
  std::vector<std::string_view> students;  // token subs of the student connections present
  std::vector<std::string_view> staff;     // token subs of the teachers and admins present (never viewers)
};

class AdminStats {
 public:
  // `store` receives the per-minute samples; it must outlive this object.
  explicit AdminStats(SignalingStore& store);

  // The latest media report (the server, once a second), shared as it is, not copied; null: no media.
  void setMediaFeed(std::shared_ptr<const MediaFeed> feed);

  // Counts, records samples, persists completed minutes and returns the delta event (time, totals, changed
  // rooms, removed rooms) to send to every subscriber.
  FramePtr tick(int64_t now_ms, const std::vector<MemberRoom>& rooms);
  // The full snapshot as of the last tick, as a `stats` message (`re` "" for none) or as the REST body.
  FramePtr snapshot(const std::string& re) const;
  std::string snapshotJson() const;

  // GET /api/v1/stats/history: range "5m" | "1h" | "24h" | "7d" | "<N>s|m|h|d" (clamped to 7 days); throws
  // common::Error(BadRequest) for anything else. `room` empty: the node's total.
  std::string historyJson(std::string_view range, std::string_view room, int64_t now_ms) const;

  // The latest per-room numbers (for /metrics).
  struct RoomNumbers {
    std::string room;
    protocol::Counts counts;
    int webrtc = 0;
    int hls = 0;
    int viewers = 0;
  };
  const std::vector<RoomNumbers>& numbers() const { return numbers_; }
  const Audience& audience() const { return audience_; }

 private:
  enum Field { kRoom, kTitle, kTeacher, kLive, kStartedMs, kSessionId, kCounts, kPlayers, kViewers, kPeak, kPeakMs,
               kIngest, kRenditions, kQnaOpen, kFieldCount };
  struct RoomState {
    std::array<std::string, kFieldCount> fields;  // encoded values; "" = absent
    double reported_kbps = -1;                     // bitrate hysteresis
    int64_t reported_kbps_ms = 0;
    uint64_t ticked = 0;  // the tick that last listed the room
  };
  struct Entry {  // a room either side knows, at this tick
    std::string_view room;
    const MemberRoom* member = nullptr;
    const MediaFeed::Room* media = nullptr;
    int viewers = 0;
  };

  void collect(const std::vector<MemberRoom>& members);
  // Encodes the entry's fields into `state`, appending the changed ones to changed_; returns its live flag.
  bool encodeRoom(const Entry& e, RoomState& state, int64_t now_ms);
  void setField(RoomState& state, Field field, bool& patched);  // from field_
  void encodeIngest(RoomState& state, const MediaFeed::Room& media, int64_t now_ms);
  std::string totalsJson() const;

  SignalingStore& store_;
  std::shared_ptr<const MediaFeed> feed_;
  ViewerCounter counter_;
  Audience audience_;
  std::map<std::string, RoomState, std::less<>> rooms_;  // as of the last tick
  std::vector<RoomNumbers> numbers_;
  uint64_t ticks_ = 0;
  // Scratch reused by every tick (their capacity stays): the rooms, the audience input, one field, the delta.
  std::vector<Entry> entries_;
  std::vector<Audience::RoomInput> inputs_;
  std::string field_;
  std::string changed_;
  int64_t time_ms_ = 0;
  struct Totals {
    int viewers = 0, webrtc = 0, hls = 0, members = 0, rooms_live = 0;
    protocol::Counts counts;
  } totals_;
};

}  // namespace airclass::signaling
