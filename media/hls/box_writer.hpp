// Appends ISO BMFF boxes (big-endian fields, nested boxes with back-patched sizes) to a byte string.
// A local helper of one writer; not shared between threads.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace airclass::media::hls {

class BoxWriter {
 public:
  explicit BoxWriter(std::string& out) : out_(out) {}

  void u8(uint32_t v) { out_.push_back(static_cast<char>(v & 0xff)); }
  void u16(uint32_t v) { u8(v >> 8); u8(v); }
  void u24(uint32_t v) { u8(v >> 16); u16(v & 0xffff); }
  void u32(uint32_t v) { u16(v >> 16); u16(v & 0xffff); }
  void u64(uint64_t v) { u32(static_cast<uint32_t>(v >> 32)); u32(static_cast<uint32_t>(v)); }
  void zeros(size_t n) { out_.append(n, '\0'); }
  void fourcc(std::string_view code) { out_.append(code.substr(0, 4)); }
  void bytes(std::span<const uint8_t> data) {
    out_.append(reinterpret_cast<const char*>(data.data()), data.size());
  }

  // Opens a box; close with end(). Boxes nest.
  void begin(std::string_view type) {
    open_.push_back(out_.size());
    u32(0);
    fourcc(type);
  }
  void beginFull(std::string_view type, uint8_t version, uint32_t flags) {
    begin(type);
    u8(version);
    u24(flags);
  }
  void end() {
    const size_t start = open_.back();
    open_.pop_back();
    patchU32(start, static_cast<uint32_t>(out_.size() - start));
  }

  size_t size() const { return out_.size(); }
  void patchU32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[at + static_cast<size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  }

 private:
  std::string& out_;
  std::vector<size_t> open_;
};

}  // namespace airclass::media::hls
