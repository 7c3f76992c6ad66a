#include "media/webrtc/ice_tcp_framer.hpp"

#include <algorithm>

namespace airclass::media::webrtc {

bool IceTcpFramer::feed(std::span<const uint8_t> bytes, const FrameHandler& on_frame) {
  while (!bytes.empty()) {
    if (header_bytes_ < 2) {
      header_[header_bytes_++] = bytes.front();
      bytes = bytes.subspan(1);
      if (header_bytes_ < 2) continue;
      expected_ = static_cast<size_t>(header_[0]) << 8 | header_[1];
      if (expected_ == 0 || expected_ > kMaxFrame) return false;
      frame_.clear();
      frame_.reserve(expected_);
      continue;
    }
    const size_t take = std::min(bytes.size(), expected_ - frame_.size());
    frame_.insert(frame_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (frame_.size() < expected_) continue;
    header_bytes_ = 0;
    if (!on_frame(frame_)) return false;
  }
  return true;
}

}  // namespace airclass::media::webrtc
