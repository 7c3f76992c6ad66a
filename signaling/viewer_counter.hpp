// The de-duplicated audience of one room: |students ∪ webrtc ∪ hls| \ staff, a person present by several means
// counted once. Keeps one open-addressing table of id views that every count reuses (cleared by a generation
// stamp), so a count allocates nothing once the table has grown to the largest room: the admin tick counts
// every room's ~200 ids every second. The hash is seeded per instance (ids come from clients: HLS `vid`s).
// Lws service thread (owned by AdminStats).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace airclass::signaling {

class ViewerCounter {
 public:
  ViewerCounter();

  // A teacher or admin watching the player (an id in `staff`) is not a viewer. The views must stay valid for the
  // call only.
  int count(const std::vector<std::string_view>& students, const std::vector<std::string>& webrtc,
            const std::vector<std::string>& hls, const std::vector<std::string_view>& staff = {});

 private:
  struct Slot {
    std::string_view id;
    uint32_t generation = 0;  // the slot holds an id of this count when equal to generation_
    uint32_t tag = 0;         // the id's hash, high bits: most mismatches end here, without a memcmp
    bool staff = false;       // already taken out of this count
  };
  uint64_t hash(std::string_view id) const;
  void prepare(size_t ids);
  Slot& find(std::string_view id, uint64_t h);  // the id's slot, or the empty slot where it would go

  std::vector<Slot> slots_;  // size: a power of two, at least twice the ids of one count
  uint32_t generation_ = 0;
  uint64_t seed_;
};

}  // namespace airclass::signaling
