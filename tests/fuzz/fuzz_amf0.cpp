// libFuzzer target: AMF0 decoding of untrusted bytes, and re-encoding what decoded.
#include <cstddef>
#include <cstdint>

#include "media/ingest/rtmp/amf0_reader.hpp"
#include "media/ingest/rtmp/amf0_writer.hpp"

using airclass::media::ingest::rtmp::Amf0Reader;
using airclass::media::ingest::rtmp::Amf0Value;
using airclass::media::ingest::rtmp::Amf0Writer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Amf0Reader reader({data, size});
  Amf0Value value;
  while (reader.read(value)) {
    Amf0Writer writer;
    writer.value(value);
    Amf0Reader again(writer.bytes());
    Amf0Value back;
    if (!again.read(back)) __builtin_trap();  // what we encode we must decode
  }
  return 0;
}
