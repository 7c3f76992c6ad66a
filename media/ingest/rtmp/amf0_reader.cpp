#include "media/ingest/rtmp/amf0_reader.hpp"

#include <bit>
#include <cstring>

namespace airclass::media::ingest::rtmp {

namespace {
enum Marker : uint8_t {
  kNumber = 0x00, kBoolean = 0x01, kString = 0x02, kObject = 0x03, kMovieClip = 0x04, kNull = 0x05,
  kUndefined = 0x06, kReference = 0x07, kEcmaArray = 0x08, kObjectEnd = 0x09, kStrictArray = 0x0A,
  kDate = 0x0B, kLongString = 0x0C,
};
}  // namespace

bool Amf0Reader::read(Amf0Value& out) {
  if (failed_) return false;
  if (!readValue(out, 0)) {
    failed_ = true;
    return false;
  }
  return true;
}

bool Amf0Reader::readU8(uint8_t& v) {
  if (data_.size() - pos_ < 1) return false;
  v = data_[pos_++];
  return true;
}

bool Amf0Reader::readU16(uint16_t& v) {
  if (data_.size() - pos_ < 2) return false;
  v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool Amf0Reader::readU32(uint32_t& v) {
  if (data_.size() - pos_ < 4) return false;
  v = static_cast<uint32_t>(data_[pos_]) << 24 | static_cast<uint32_t>(data_[pos_ + 1]) << 16 |
      static_cast<uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
  pos_ += 4;
  return true;
}

bool Amf0Reader::readDouble(double& v) {
  if (data_.size() - pos_ < 8) return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = bits << 8 | data_[pos_ + i];
  pos_ += 8;
  v = std::bit_cast<double>(bits);
  return true;
}

bool Amf0Reader::readString(std::string& out, size_t length) {
  if (data_.size() - pos_ < length) return false;
  out.assign(reinterpret_cast<const char*>(data_.data() + pos_), length);
  pos_ += length;
  return true;
}

// Object and EcmaArray bodies: (u16 key, value)* then an empty key and the object-end marker.
bool Amf0Reader::readProperties(Amf0Value& out, int depth) {
  for (;;) {
    uint16_t key_len = 0;
    if (!readU16(key_len)) return false;
    std::string key;
    if (!readString(key, key_len)) return false;
    if (key_len == 0 && pos_ < data_.size() && data_[pos_] == kObjectEnd) {
      ++pos_;
      return true;
    }
    Amf0Value value;
    if (!readValue(value, depth + 1)) return false;
    out.properties.emplace_back(std::move(key), std::move(value));
  }
}

bool Amf0Reader::readValue(Amf0Value& out, int depth) {
  if (depth > kMaxDepth || ++values_ > kMaxValues) return false;
  uint8_t marker = 0;
  if (!readU8(marker)) return false;
  out = Amf0Value{};
  switch (marker) {
    case kNumber:
      out.type = Amf0Value::Type::Number;
      return readDouble(out.number);
    case kBoolean: {
      uint8_t b = 0;
      if (!readU8(b)) return false;
      out.type = Amf0Value::Type::Boolean;
      out.boolean = b != 0;
      return true;
    }
    case kString: {
      uint16_t len = 0;
      out.type = Amf0Value::Type::String;
      return readU16(len) && readString(out.string, len);
    }
    case kLongString: {
      uint32_t len = 0;
      out.type = Amf0Value::Type::String;
      return readU32(len) && readString(out.string, len);
    }
    case kObject:
      out.type = Amf0Value::Type::Object;
      return readProperties(out, depth);
    case kEcmaArray: {
      uint32_t count_hint = 0;  // advisory only; the end marker terminates
      out.type = Amf0Value::Type::EcmaArray;
      return readU32(count_hint) && readProperties(out, depth);
    }
    case kStrictArray: {
      uint32_t count = 0;
      if (!readU32(count)) return false;
      out.type = Amf0Value::Type::StrictArray;
      // Every element takes at least one byte: a count past the remaining input is malformed.
      if (count > data_.size() - pos_) return false;
      for (uint32_t i = 0; i < count; ++i) {
        Amf0Value element;
        if (!readValue(element, depth + 1)) return false;
        out.elements.push_back(std::move(element));
      }
      return true;
    }
    case kDate: {
      uint16_t tz = 0;
      out.type = Amf0Value::Type::Date;
      if (!readDouble(out.number) || !readU16(tz)) return false;
      out.timezone = static_cast<int16_t>(tz);
      return true;
    }
    case kNull:
      out.type = Amf0Value::Type::Null;
      return true;
    case kUndefined:
      out.type = Amf0Value::Type::Undefined;
      return true;
    default:  // MovieClip, Reference, Unsupported, RecordSet, XML, TypedObject, AVM+, stray ObjectEnd
      return false;
  }
}

}  // namespace airclass::media::ingest::rtmp
