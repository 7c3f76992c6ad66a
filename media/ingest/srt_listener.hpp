// SRT ingest: teachers publish MPEG-TS (H.264 + AAC) to one port for every room; each connection is demuxed
// and fed into its room through the PublishGate. Construct, start, stop and destroy on one owner thread;
// SRT I/O runs on the listener's own receive thread, and Publications are only touched on the media loop.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "common/config.hpp"
#include "media/ingest/publication.hpp"

namespace airclass::media::ingest {

class SrtListener {
 public:
  static constexpr int kMaxConnections = 256;  // SRT publishers on one node, over every room

  // `loop` is the media loop that owns the rooms; `gate` must outlive the loop's pending handlers.
  // GStreamer must be initialised (gst_init, done once in main) before publishers connect.
  SrtListener(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate);
  ~SrtListener();
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  // Binds [srt] host:port (port 0: any free port) and starts the receive thread.
  // Throws common::Error (Config: bad address; Unavailable: SRT set-up or bind failed).
  void start();
  // The bound port (after start()).
  uint16_t port() const { return port_; }
  // Closes every connection and the listener and joins the receive thread. Idempotent.
  void stop();

  struct Settings {
    std::string host;
    int port = 0;
    int latency_ms = 120;
    int stall_timeout_s = 10;
    std::string secret;
  };
  class Receiver;  // the receive thread's state (connections, epoll)

 private:
  boost::asio::io_context& loop_;
  PublishGate& gate_;
  const Settings settings_;
  uint16_t port_ = 0;
  std::unique_ptr<Receiver> receiver_;
  std::thread thread_;
};

}  // namespace airclass::media::ingest
