// libFuzzer target: a whole RTMP publisher connection (handshake, chunks, AMF0 commands, FLV tags) driven by
// untrusted bytes after a valid handshake, against a gate that accepts every publish.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "media/ingest/rtmp/rtmp_connection.hpp"

namespace rtmp = airclass::media::ingest::rtmp;
namespace ingest = airclass::media::ingest;

namespace {
class NullPublication : public ingest::Publication {
 public:
  void onVideoConfig(const airclass::media::VideoConfig&) override {}
  void onAudioConfig(const airclass::media::AudioConfig&) override {}
  void onFrame(const airclass::media::EncodedFrame&) override {}
};
class OpenGate : public ingest::PublishGate {
 public:
  std::unique_ptr<ingest::Publication> publish(const ingest::PublishRequest&) override {
    return std::make_unique<NullPublication>();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  OpenGate gate;
  rtmp::RtmpConnection connection({64 * 1024, "fuzz"}, gate);
  std::vector<uint8_t> handshake(1 + 2 * 1536, 0);
  handshake[0] = 3;
  std::vector<uint8_t> out;
  connection.onBytes(handshake, out);
  size_t pos = 0;
  while (pos < size) {
    const size_t n = std::min<size_t>(512, size - pos);
    out.clear();
    if (!connection.onBytes({data + pos, n}, out)) break;
    pos += n;
  }
  return 0;
}
