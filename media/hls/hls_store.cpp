#include "media/hls/hls_store.hpp"

namespace airclass::media::hls {

void HlsStore::publishMaster(const std::string& room, Blob master) {
  {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<RoomSnapshot>();
    if (auto it = rooms_.find(room); it != rooms_.end()) *next = *it->second;
    next->master = std::move(master);
    rooms_[room] = std::move(next);
  }
  notify();
}

void HlsStore::publishRendition(const std::string& room, std::shared_ptr<const RenditionSnapshot> rendition) {
  {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<RoomSnapshot>();
    if (auto it = rooms_.find(room); it != rooms_.end()) *next = *it->second;
    next->renditions[rendition->name] = std::move(rendition);
    rooms_[room] = std::move(next);
  }
  notify();
}

void HlsStore::removeRoom(const std::string& room) {
  {
    std::lock_guard lock(mutex_);
    rooms_.erase(room);
  }
  notify();
}

std::shared_ptr<const RoomSnapshot> HlsStore::room(const std::string& room) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : it->second;
}

std::vector<std::string> HlsStore::rooms() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, snapshot] : rooms_) names.push_back(name);
  return names;
}

void HlsStore::setUpdateListener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void HlsStore::notify() const {
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (listener) listener();
}

}  // namespace airclass::media::hls
