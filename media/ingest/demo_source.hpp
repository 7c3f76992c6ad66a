// The built-in synthetic lesson for demo mode and tests: a moving test pattern with the wall clock drawn on
// it (human-readable, plus the frame's capture time in unix milliseconds for latency measurements) and a
// tone, encoded by GStreamer (x264 zerolatency, one keyframe a second; AAC) and published into a room
// through the PublishGate like any other ingest. Media loop only (GStreamer's threads post to it).
#pragma once
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "common/config.hpp"
#include "media/ingest/publication.hpp"

namespace airclass::media::ingest {

class DemoSource {
 public:
  // Picture size and rate: what the demo plus the default ladder sustain in real time on two cores.
  static constexpr int kWidth = 1280;
  static constexpr int kHeight = 720;
  static constexpr int kFrameRate = 30;
  static constexpr int kVideoKbps = 2500;

  DemoSource(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate);
  ~DemoSource();
  DemoSource(const DemoSource&) = delete;
  DemoSource& operator=(const DemoSource&) = delete;

  // Publishes into `room` as its teacher (a token minted with [auth] secret). Throws common::Error from the
  // gate (e.g. Conflict) or when the pipeline cannot start. Restarts if already running.
  void start(const std::string& room = "demo");
  // Stops the pipeline and ends the publication (the room then waits out its reconnect grace window).
  void stop();
  bool running() const;

  struct Shared;  // implementation detail: the state GStreamer's threads see

 private:
  boost::asio::io_context& loop_;
  const common::Config& config_;
  PublishGate& gate_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace airclass::media::ingest
