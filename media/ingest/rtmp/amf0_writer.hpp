// Encodes AMF0 values into a byte buffer (RTMP command replies). Any thread (one writer per buffer).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "media/ingest/rtmp/amf0_value.hpp"

namespace airclass::media::ingest::rtmp {

class Amf0Writer {
 public:
  void number(double v);
  void boolean(bool v);
  void string(std::string_view v);  // a long string (0x0C) past 65535 bytes
  void null();
  void undefined();
  void value(const Amf0Value& v);

  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void rawDouble(double v);
  void key(std::string_view k);  // an object key: u16 length + UTF-8, no marker

  std::vector<uint8_t> out_;
};

}  // namespace airclass::media::ingest::rtmp
