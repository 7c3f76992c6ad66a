// One AMF0 value (the RTMP command and metadata encoding) as a plain tree. Immutable value: any thread.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airclass::media::ingest::rtmp {

struct Amf0Value {
  enum class Type { Number, Boolean, String, Object, Null, Undefined, EcmaArray, StrictArray, Date };

  Type type = Type::Null;
  double number = 0;        // Number, Date (ms since the epoch)
  bool boolean = false;     // Boolean
  int16_t timezone = 0;     // Date
  std::string string;       // String (short or long on the wire)
  std::vector<std::pair<std::string, Amf0Value>> properties;  // Object, EcmaArray (in wire order)
  std::vector<Amf0Value> elements;                            // StrictArray

  static Amf0Value makeNumber(double v) { Amf0Value a; a.type = Type::Number; a.number = v; return a; }
  static Amf0Value makeBoolean(bool v) { Amf0Value a; a.type = Type::Boolean; a.boolean = v; return a; }
  static Amf0Value makeString(std::string v) { Amf0Value a; a.type = Type::String; a.string = std::move(v); return a; }
  static Amf0Value makeNull() { return Amf0Value{}; }
  static Amf0Value makeUndefined() { Amf0Value a; a.type = Type::Undefined; return a; }
  static Amf0Value makeObject(std::vector<std::pair<std::string, Amf0Value>> props) {
    Amf0Value a; a.type = Type::Object; a.properties = std::move(props); return a;
  }

  // The property `key` of an Object or EcmaArray, or nullptr.
  const Amf0Value* find(std::string_view key) const;
  bool isString() const { return type == Type::String; }
  bool isNumber() const { return type == Type::Number; }
  bool operator==(const Amf0Value&) const = default;
};

}  // namespace airclass::media::ingest::rtmp
