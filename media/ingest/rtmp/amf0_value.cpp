#include "media/ingest/rtmp/amf0_value.hpp"

namespace airclass::media::ingest::rtmp {

const Amf0Value* Amf0Value::find(std::string_view key) const {
  for (const auto& [k, v] : properties) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace airclass::media::ingest::rtmp
