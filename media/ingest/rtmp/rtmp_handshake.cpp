#include "media/ingest/rtmp/rtmp_handshake.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace airclass::media::ingest::rtmp {

size_t RtmpHandshake::feed(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  size_t used = 0;
  while (used < in.size() && (state_ == State::WaitC0C1 || state_ == State::WaitC2)) {
    const size_t want = (state_ == State::WaitC0C1 ? 1 + kPacketSize : kPacketSize) - pending_.size();
    const size_t n = std::min(want, in.size() - used);
    pending_.insert(pending_.end(), in.begin() + static_cast<std::ptrdiff_t>(used),
                    in.begin() + static_cast<std::ptrdiff_t>(used + n));
    used += n;
    if (state_ == State::WaitC0C1 && !pending_.empty() && pending_[0] != 3) {
      state_ = State::Failed;
      error_ = "rtmp handshake: unsupported version " + std::to_string(pending_[0]);
      return used;
    }
    if (n < want) break;
    if (state_ == State::WaitC0C1) {
      out.push_back(3);  // S0
      // S1: time, four zero bytes (no digest: clients then skip the complex-handshake checks), random.
      const auto now = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now().time_since_epoch()).count());
      for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(now >> shift));
      out.insert(out.end(), 4, 0);
      std::minstd_rand rng(std::random_device{}());
      for (size_t i = 8; i < kPacketSize; ++i) out.push_back(static_cast<uint8_t>(rng()));
      out.insert(out.end(), pending_.begin() + 1, pending_.end());  // S2 = C1
      state_ = State::WaitC2;
    } else {
      state_ = State::Done;  // C2 is not checked: complex-handshake clients put digests there
    }
    pending_.clear();
  }
  return used;
}

}  // namespace airclass::media::ingest::rtmp
