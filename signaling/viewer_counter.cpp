#include "signaling/viewer_counter.hpp"

#include <cstring>
#include <random>

namespace airclass::signaling {

ViewerCounter::ViewerCounter() : seed_((uint64_t{std::random_device{}()} << 32) | std::random_device{}()) {}

uint64_t ViewerCounter::hash(std::string_view id) const {
  // 8 bytes at a time, multiply-xorshift mixing: ids are short (a token's sub, a vid of at most 64 characters).
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  const char* p = id.data();
  const size_t n = id.size();
  auto load = [](const char* at, size_t bytes) {
    uint64_t w = 0;
    std::memcpy(&w, at, bytes);  // fixed sizes below: no library call
    return w;
  };
  uint64_t h = seed_ ^ (n * kMul);
  size_t i = 0;
  for (; i + 8 < n; i += 8) {
    h = (h ^ load(p + i, 8)) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;  // the last 1..8 bytes (overlapping the block before when there is one)
  if (n >= 8) {
    tail = load(p + n - 8, 8);
  } else if (n >= 4) {
    tail = (load(p, 4) << 32) | load(p + n - 4, 4);
  } else if (n > 0) {
    tail = (uint64_t{static_cast<unsigned char>(p[0])} << 16) |
           (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) | static_cast<unsigned char>(p[n - 1]);
  }
  h = (h ^ tail) * 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 31;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}

void ViewerCounter::prepare(size_t ids) {
  size_t size = 64;
  while (size < 2 * ids) size *= 2;
  if (size > slots_.size()) {
    slots_.assign(size, Slot{});
    generation_ = 0;
  }
  if (++generation_ == 0) {  // wrapped: stale stamps could match again
    slots_.assign(slots_.size(), Slot{});
    generation_ = 1;
  }
}

ViewerCounter::Slot& ViewerCounter::find(std::string_view id, uint64_t h) {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask;; i = (i + 1) & mask) {  // at most half full: an empty slot ends every probe
    Slot& s = slots_[i];
    if (s.generation != generation_ || (s.tag == tag && s.id == id)) return s;
  }
}

int ViewerCounter::count(const std::vector<std::string_view>& students, const std::vector<std::string>& webrtc,
                         const std::vector<std::string>& hls, const std::vector<std::string_view>& staff) {
  prepare(students.size() + webrtc.size() + hls.size());
  int n = 0;
  auto insert = [&](std::string_view id) {
    const uint64_t h = hash(id);
    Slot& s = find(id, h);
    if (s.generation == generation_) return;
    s = Slot{id, generation_, static_cast<uint32_t>(h >> 32), false};
    n += 1;
  };
  for (const std::string_view id : students) insert(id);
  for (const std::string& id : webrtc) insert(id);
  for (const std::string& id : hls) insert(id);
  for (const std::string_view id : staff) {
    Slot& s = find(id, hash(id));
    if (s.generation == generation_ && !s.staff) {
      s.staff = true;
      n -= 1;
    }
  }
  return n;
}

}  // namespace airclass::signaling
