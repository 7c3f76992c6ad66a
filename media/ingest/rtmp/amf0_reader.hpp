// Decodes AMF0 values from untrusted bytes, bounded in nesting depth and value count; errors are status
// values. Any thread (one reader per buffer).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/ingest/rtmp/amf0_value.hpp"

namespace airclass::media::ingest::rtmp {

class Amf0Reader {
 public:
  static constexpr int kMaxDepth = 16;
  static constexpr size_t kMaxValues = 4096;  // values (nested ones included) per reader

  explicit Amf0Reader(std::span<const uint8_t> data) : data_(data) {}

  // Reads the next value. False on malformed, truncated or too deep/large input (the reader is then spent).
  bool read(Amf0Value& out);
  bool atEnd() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }

 private:
  bool readValue(Amf0Value& out, int depth);
  bool readProperties(Amf0Value& out, int depth);
  bool readU8(uint8_t& v);
  bool readU16(uint16_t& v);
  bool readU32(uint32_t& v);
  bool readDouble(double& v);
  bool readString(std::string& out, size_t length);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  size_t values_ = 0;
  bool failed_ = false;
};

}  // namespace airclass::media::ingest::rtmp
