// An immutable, encoded websocket text message shared by every recipient's send queue ("serialize once, send
// many"). Built on any thread; lwsPayload() is for the lws service thread only.
#pragma once
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace airclass::signaling {

// Bytes reserved in front of the payload for the websocket frame header that lws_write() writes there
// (LWS_PRE; ws_server.cpp static_asserts LWS_PRE <= kFrameHeadroom). Every recipient writes the same header
// bytes for the same payload, from the one lws thread, so the buffer is shared without per-recipient copies.
inline constexpr size_t kFrameHeadroom = 16;

class Frame {
 public:
  static std::shared_ptr<const Frame> make(std::string_view payload) {
    return std::shared_ptr<const Frame>(new Frame(payload));
  }

  std::string_view text() const { return {reinterpret_cast<const char*>(bytes_.get() + kFrameHeadroom), size_}; }
  size_t size() const { return size_; }
  // The payload pointer for lws_write(): kFrameHeadroom writable bytes precede it.
  unsigned char* lwsPayload() const { return bytes_.get() + kFrameHeadroom; }

 private:
  explicit Frame(std::string_view payload)
      : bytes_(new unsigned char[kFrameHeadroom + payload.size() + 1]), size_(payload.size()) {
    std::memset(bytes_.get(), 0, kFrameHeadroom);
    if (!payload.empty()) std::memcpy(bytes_.get() + kFrameHeadroom, payload.data(), payload.size());
    bytes_[kFrameHeadroom + size_] = 0;
  }

  std::unique_ptr<unsigned char[]> bytes_;
  size_t size_;
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace airclass::signaling
