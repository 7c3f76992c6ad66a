// Turns an MPEG-TS byte stream (H.264 + AAC) into decoder configs and access units, through a GStreamer
// pipeline. push() from one producer thread at a time (any thread); outputs arrive on the media loop.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "media/encoded_frame.hpp"

namespace airclass::media::ingest {

class TsDemuxer {
 public:
  // Receives the demuxer's outputs, in order, on the media loop. It may outlive the demuxer (handlers
  // already posted still run), so the demuxer shares ownership of it.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void onVideoConfig(const VideoConfig& config) = 0;
    virtual void onAudioConfig(const AudioConfig& config) = 0;
    // pts/dts in ns relative to the first timestamped buffer of the stream. AVCC video, raw AAC audio.
    virtual void onFrame(const EncodedFrame& frame) = 0;
    // The stream cannot be demuxed (unsupported codec, corrupt data, a bound hit). Reported once; no more
    // outputs follow and push() returns false from then on.
    virtual void onDemuxError(const std::string& message) = 0;
    // Every output after end() has been delivered.
    virtual void onDemuxEnd() {}
  };

  struct Limits {
    size_t max_input_bytes = 4 * 1024 * 1024;  // TS bytes queued in front of the demuxer
    int max_pending_outputs = 1024;            // outputs posted to the loop and not yet handled
  };

  // Needs gst_init() done. `name` labels the pipeline and the log lines (e.g. the room).
  TsDemuxer(boost::asio::io_context& loop, std::shared_ptr<Sink> sink, std::string name, Limits limits);
  TsDemuxer(boost::asio::io_context& loop, std::shared_ptr<Sink> sink, std::string name)
      : TsDemuxer(loop, std::move(sink), std::move(name), Limits{}) {}
  // Stops the pipeline and joins its threads; outputs already posted are still delivered. Any thread but a
  // GStreamer streaming thread.
  ~TsDemuxer();
  TsDemuxer(const TsDemuxer&) = delete;
  TsDemuxer& operator=(const TsDemuxer&) = delete;

  // Queues TS bytes. False when the demuxer has failed or the input bound is hit (the caller should
  // drop the connection; the sink has been told why).
  bool push(std::span<const uint8_t> bytes);
  // No more input: drain what is queued, then the sink gets onDemuxEnd().
  void end();
  bool failed() const;

  struct State;  // shared with GStreamer's streaming threads and posted handlers

 private:
  std::unique_ptr<State> state_;
};

}  // namespace airclass::media::ingest
