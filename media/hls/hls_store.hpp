// The hand-over point between the media loop (which packages HLS) and the HTTP threads (which serve it):
// packagers publish immutable snapshots; readers take the latest one. The only lock is inside this class and
// is held just to swap or copy a pointer. Any thread.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace airclass::media::hls {

using Blob = std::shared_ptr<const std::string>;

struct PartSnapshot {
  double duration_s = 0;
  bool independent = false;  // starts with a keyframe
  Blob data;                 // moof+mdat
};

struct SegmentSnapshot {
  uint64_t msn = 0;
  double duration_s = 0;
  bool discontinuity = false;
  int init_id = 0;             // which init segment (EXT-X-MAP) it needs
  int64_t program_date_ms = 0; // wall clock of its first frame
  std::vector<PartSnapshot> parts;
  Blob data;                   // the whole segment, once complete; null while it is still growing
};

// One rendition's playlist state at one instant.
struct RenditionSnapshot {
  std::string name;
  bool audio = false;                     // an audio rendition: its media is served as audio/mp4
  std::map<int, Blob> inits;              // init_id -> ftyp+moov
  std::vector<SegmentSnapshot> segments;  // the window, oldest first; the last may be incomplete
  bool ended = false;
  Blob playlist;                          // the media playlist text, rendered once per publish
  uint64_t generation = 0;                // increases with every publish

  // The next part the playlist will announce, for blocking reloads: (msn, part index).
  uint64_t next_msn = 0;
  int next_part = 0;
};

struct RoomSnapshot {
  Blob master;  // master playlist text; null until the room knows its renditions
  std::map<std::string, std::shared_ptr<const RenditionSnapshot>> renditions;
};

class HlsStore {
 public:
  void publishMaster(const std::string& room, Blob master);
  void publishRendition(const std::string& room, std::shared_ptr<const RenditionSnapshot> rendition);
  void removeRoom(const std::string& room);

  std::shared_ptr<const RoomSnapshot> room(const std::string& room) const;
  std::vector<std::string> rooms() const;

  // Called after every publish, on the publishing thread; must be cheap and thread-safe (e.g. a wake-up
  // of the HTTP loop with lws_cancel_service). Set before media starts.
  void setUpdateListener(std::function<void()> listener);

 private:
  void notify() const;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const RoomSnapshot>> rooms_;
  std::function<void()> listener_;
};

}  // namespace airclass::media::hls
