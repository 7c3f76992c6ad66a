// Bounded MSB-first bit reader with Exp-Golomb codes, for parsing codec headers (SPS, AudioSpecificConfig).
// Reading past the end never touches memory out of range: it sets a sticky failure flag. Any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace airclass::media::codec {

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  // Reads `count` (0..32) bits; 0 and failed() once the data runs out.
  uint32_t bits(int count) {
    if (count < 0 || count > 32) {
      failed_ = true;
      return 0;
    }
    uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      if (pos_ >= data_.size() * 8) {
        failed_ = true;
        return 0;
      }
      const uint8_t byte = data_[pos_ / 8];
      value = (value << 1) | ((byte >> (7 - pos_ % 8)) & 1U);
      ++pos_;
    }
    return value;
  }
  bool flag() { return bits(1) != 0; }
  void skip(size_t count) {
    if (count > data_.size() * 8 - pos_) {
      pos_ = data_.size() * 8;
      failed_ = true;
      return;
    }
    pos_ += count;
  }

  // Unsigned Exp-Golomb ue(v). Values above 2^31-2 (more than 31 leading zeros) fail.
  uint32_t ue() {
    int zeros = 0;
    while (!failed_ && bits(1) == 0) {
      if (++zeros > 31) {
        failed_ = true;
        return 0;
      }
    }
    if (failed_) return 0;
    if (zeros == 0) return 0;
    const uint64_t value = (uint64_t{1} << zeros) - 1 + bits(zeros);
    if (value > 0x7ffffffeU) {
      failed_ = true;
      return 0;
    }
    return static_cast<uint32_t>(value);
  }
  // Signed Exp-Golomb se(v).
  int32_t se() {
    const uint32_t k = ue();
    const auto half = static_cast<int32_t>((k + 1) / 2);
    return (k & 1U) ? half : -half;
  }

  bool failed() const { return failed_; }
  size_t bitsLeft() const { return data_.size() * 8 - pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace airclass::media::codec
