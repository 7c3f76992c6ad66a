#include "media/ingest/rtmp/amf0_writer.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace airclass::media::ingest::rtmp {

void Amf0Writer::u16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void Amf0Writer::u32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
}

void Amf0Writer::rawDouble(double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(bits >> shift));
}

void Amf0Writer::number(double v) {
  u8(0x00);
  rawDouble(v);
}

void Amf0Writer::boolean(bool v) {
  u8(0x01);
  u8(v ? 1 : 0);
}

void Amf0Writer::string(std::string_view v) {
  if (v.size() <= std::numeric_limits<uint16_t>::max()) {
    u8(0x02);
    u16(static_cast<uint16_t>(v.size()));
  } else {
    u8(0x0C);
    u32(static_cast<uint32_t>(v.size()));
  }
  out_.insert(out_.end(), v.begin(), v.end());
}

void Amf0Writer::null() { u8(0x05); }
void Amf0Writer::undefined() { u8(0x06); }

void Amf0Writer::key(std::string_view k) {
  const size_t n = std::min<size_t>(k.size(), std::numeric_limits<uint16_t>::max());
  u16(static_cast<uint16_t>(n));
  out_.insert(out_.end(), k.begin(), k.begin() + static_cast<std::ptrdiff_t>(n));
}

void Amf0Writer::value(const Amf0Value& v) {
  switch (v.type) {
    case Amf0Value::Type::Number: number(v.number); return;
    case Amf0Value::Type::Boolean: boolean(v.boolean); return;
    case Amf0Value::Type::String: string(v.string); return;
    case Amf0Value::Type::Null: null(); return;
    case Amf0Value::Type::Undefined: undefined(); return;
    case Amf0Value::Type::Date:
      u8(0x0B);
      rawDouble(v.number);
      u16(static_cast<uint16_t>(v.timezone));
      return;
    case Amf0Value::Type::Object:
    case Amf0Value::Type::EcmaArray:
      if (v.type == Amf0Value::Type::Object) {
        u8(0x03);
      } else {
        u8(0x08);
        u32(static_cast<uint32_t>(v.properties.size()));
      }
      for (const auto& [k, child] : v.properties) {
        key(k);
        value(child);
      }
      u16(0);
      u8(0x09);
      return;
    case Amf0Value::Type::StrictArray:
      u8(0x0A);
      u32(static_cast<uint32_t>(v.elements.size()));
      for (const auto& child : v.elements) value(child);
      return;
  }
}

}  // namespace airclass::media::ingest::rtmp
