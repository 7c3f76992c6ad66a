// Test helpers: a PublishGate that records what a publisher sent, and a scripted RTMP client built from the
// project's own chunk writer and AMF0 encoder. Test thread / media loop (the recorder locks).
#pragma once
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "media/ingest/publication.hpp"
#include "media/ingest/rtmp/amf0_reader.hpp"
#include "media/ingest/rtmp/amf0_writer.hpp"
#include "media/ingest/rtmp/rtmp_chunk_reader.hpp"
#include "media/ingest/rtmp/rtmp_chunk_writer.hpp"

namespace airclass::media::ingest::rtmp::test {

using Bytes = std::vector<uint8_t>;

struct Recorded {
  std::vector<PublishRequest> requests;
  std::vector<VideoConfig> video_configs;
  std::vector<AudioConfig> audio_configs;
  std::vector<EncodedFrame> video;
  std::vector<EncodedFrame> audio;
  int publications_alive = 0;
  int publications_ended = 0;
};

class RecordingGate : public PublishGate {
 public:
  std::optional<common::ErrorCode> refuse;  // throw this from publish()
  bool throw_on_video_config = false;

  std::unique_ptr<Publication> publish(const PublishRequest& request) override {
    std::lock_guard lock(mutex_);
    data_.requests.push_back(request);
    if (refuse) throw common::Error(*refuse, "test gate: refused " + request.room);
    ++data_.publications_alive;
    return std::make_unique<Pub>(*this);
  }
  Recorded snapshot() {
    std::lock_guard lock(mutex_);
    return data_;
  }

 private:
  class Pub : public Publication {
   public:
    explicit Pub(RecordingGate& g) : g_(g) {}
    ~Pub() override {
      std::lock_guard lock(g_.mutex_);
      --g_.data_.publications_alive;
      ++g_.data_.publications_ended;
    }
    void onVideoConfig(const VideoConfig& c) override {
      if (g_.throw_on_video_config) throw common::Error(common::ErrorCode::TooLarge, "test: resolution too large");
      std::lock_guard lock(g_.mutex_);
      g_.data_.video_configs.push_back(c);
    }
    void onAudioConfig(const AudioConfig& c) override {
      std::lock_guard lock(g_.mutex_);
      g_.data_.audio_configs.push_back(c);
    }
    void onFrame(const EncodedFrame& f) override {
      std::lock_guard lock(g_.mutex_);
      (f.kind == TrackKind::Video ? g_.data_.video : g_.data_.audio).push_back(f);
    }

   private:
    RecordingGate& g_;
  };

  std::mutex mutex_;
  Recorded data_;
};

// Builds what a publishing client sends.
class ClientScript {
 public:
  static Bytes handshake() {
    Bytes b(1 + 2 * 1536, 0);
    b[0] = 3;
    return b;  // C0 + C1 + C2 (C2 content is not checked)
  }
  Bytes command(std::vector<Amf0Value> values, uint32_t stream_id = 0, uint32_t csid = 3) {
    Amf0Writer w;
    for (const auto& v : values) w.value(v);
    RtmpMessage m;
    m.chunk_stream_id = csid;
    m.type = 20;
    m.stream_id = stream_id;
    m.payload = w.take();
    Bytes out;
    writer_.write(m, out);
    return out;
  }
  Bytes connect(const std::string& app = "live", const std::string& tc_url = "rtmp://127.0.0.1/live") {
    return command({Amf0Value::makeString("connect"), Amf0Value::makeNumber(1),
                    Amf0Value::makeObject({{"app", Amf0Value::makeString(app)},
                                           {"tcUrl", Amf0Value::makeString(tc_url)}})});
  }
  Bytes createStream() {
    return command({Amf0Value::makeString("createStream"), Amf0Value::makeNumber(2), Amf0Value::makeNull()});
  }
  Bytes publish(const std::string& key) {
    return command({Amf0Value::makeString("publish"), Amf0Value::makeNumber(3), Amf0Value::makeNull(),
                    Amf0Value::makeString(key), Amf0Value::makeString("live")},
                   1, 5);
  }
  Bytes media(uint8_t type, uint32_t ts, Bytes payload) {
    RtmpMessage m;
    m.chunk_stream_id = type == 9 ? 6 : 4;
    m.type = type;
    m.stream_id = 1;
    m.timestamp = ts;
    m.payload = std::move(payload);
    Bytes out;
    writer_.write(m, out);
    return out;
  }
  Bytes raw(RtmpMessage m) {
    Bytes out;
    writer_.write(m, out);
    return out;
  }

 private:
  RtmpChunkWriter writer_;
};

// Reads what the server sent: skips S0+S1+S2, then decodes messages and their leading AMF0 values.
class ServerOutput {
 public:
  void feed(const Bytes& bytes) {
    size_t skip = std::min(handshake_left_, bytes.size());
    handshake_left_ -= skip;
    std::vector<RtmpMessage> got;
    ok_ = reader_.feed(std::span<const uint8_t>(bytes.data() + skip, bytes.size() - skip), got) && ok_;
    for (auto& m : got) messages.push_back(std::move(m));
  }
  // The "code" of every onStatus / _result / _error info object, in order.
  std::vector<std::string> statusCodes() const {
    std::vector<std::string> codes;
    for (const auto& m : messages) {
      if (m.type != 20) continue;
      Amf0Reader r(m.payload);
      Amf0Value v;
      while (r.read(v)) {
        if (const Amf0Value* c = v.find("code")) codes.push_back(c->string);
      }
    }
    return codes;
  }
  bool ok() const { return ok_; }
  uint32_t chunkSize() const { return reader_.chunkSize(); }
  std::vector<RtmpMessage> messages;

 private:
  size_t handshake_left_ = 1 + 2 * 1536;
  RtmpChunkReader reader_{1 << 20};
  bool ok_ = true;
};

}  // namespace airclass::media::ingest::rtmp::test
