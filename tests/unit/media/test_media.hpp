// Test helpers: real H.264 and AAC encoded by GStreamer test sources, and a gst_init test environment.
// Test thread only.
#pragma once
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/encoded_frame.hpp"
#include "media/pipeline/gst_frames.hpp"
#include "media/pipeline/gst_ptr.hpp"

namespace airclass::media::test {

class GstEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(nullptr, nullptr); }
};
inline ::testing::Environment* const kGstEnvironment = ::testing::AddGlobalTestEnvironment(new GstEnvironment);

struct EncodedTrack {
  std::optional<VideoConfig> video_config;
  std::optional<AudioConfig> audio_config;
  std::vector<EncodedFrame> frames;
};

// Runs `description` (ending in `appsink name=out`) to EOS and collects what reaches the sink.
inline EncodedTrack encodeWith(const std::string& description, TrackKind kind) {
  GError* error = nullptr;
  pipeline::GstPipelinePtr p(gst_parse_launch(description.c_str(), &error));
  if (error) {
    std::string message = error->message;
    g_error_free(error);
    throw std::runtime_error("test pipeline: " + message);
  }
  pipeline::GstObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(p.get()), "out"));
  gst_element_set_state(p.get(), GST_STATE_PLAYING);
  EncodedTrack track;
  while (pipeline::GstSamplePtr sample{gst_app_sink_pull_sample(GST_APP_SINK(sink.get()))}) {
    GstCaps* caps = gst_sample_get_caps(sample.get());
    if (kind == TrackKind::Video && !track.video_config) track.video_config = pipeline::videoConfigFromCaps(caps);
    if (kind == TrackKind::Audio && !track.audio_config) track.audio_config = pipeline::audioConfigFromCaps(caps);
    if (auto frame = pipeline::frameFromSample(sample.get(), kind)) {
      track.frames.push_back(*frame);
    }
  }
  return track;
}

// `frames` frames of a moving test pattern, H.264 (avc, au), one keyframe every `gop` frames.
inline EncodedTrack encodeVideo(int width, int height, int fps, int frames, int gop = 30, int pattern = 18) {
  return encodeWith("videotestsrc num-buffers=" + std::to_string(frames) + " pattern=" + std::to_string(pattern) +
                        " ! video/x-raw,format=I420,width=" + std::to_string(width) +
                        ",height=" + std::to_string(height) + ",framerate=" + std::to_string(fps) +
                        "/1 ! x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max=" +
                        std::to_string(gop) +
                        " ! h264parse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=out sync=false",
                    TrackKind::Video);
}

// About `seconds` of a sine tone, AAC-LC raw frames.
inline EncodedTrack encodeAudio(double seconds, int rate = 44100, int channels = 1) {
  const int buffers = static_cast<int>(seconds * rate / 1024);
  return encodeWith("audiotestsrc num-buffers=" + std::to_string(buffers) +
                        " samplesperbuffer=1024 ! audio/x-raw,rate=" + std::to_string(rate) +
                        ",channels=" + std::to_string(channels) +
                        " ! audioconvert ! avenc_aac ! audio/mpeg,stream-format=raw ! appsink name=out sync=false",
                    TrackKind::Audio);
}

// Runs the loop until `done` or the timeout; true when done.
inline bool runUntil(boost::asio::io_context& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    loop.restart();
    loop.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Both tracks merged in decode order, shifted by `offset_ns`.
inline std::vector<EncodedFrame> interleave(const EncodedTrack& video, const EncodedTrack* audio,
                                            int64_t offset_ns = 0) {
  std::vector<EncodedFrame> all = video.frames;
  if (audio) all.insert(all.end(), audio->frames.begin(), audio->frames.end());
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.dts_ns < b.dts_ns; });
  for (auto& f : all) {
    f.pts_ns += offset_ns;
    f.dts_ns += offset_ns;
  }
  return all;
}

// Delivers frames on the loop at their dts pace (relative to the first), `speed` times real time, like a
// live publisher does. done() once every frame went out.
class PacedFeeder {
 public:
  PacedFeeder(boost::asio::io_context& loop, std::vector<EncodedFrame> frames,
              std::function<void(const EncodedFrame&)> sink, double speed = 1.0)
      : timer_(loop), frames_(std::move(frames)), sink_(std::move(sink)), speed_(speed) {
    start_ = std::chrono::steady_clock::now();
    schedule();
  }
  bool done() const { return next_ >= frames_.size(); }
  void stop() {
    next_ = frames_.size();
    timer_.cancel();
  }

 private:
  void schedule() {
    if (done()) return;
    const int64_t at_ns = static_cast<int64_t>((frames_[next_].dts_ns - frames_.front().dts_ns) / speed_);
    timer_.expires_at(start_ + std::chrono::nanoseconds(at_ns));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      while (!done() && (frames_[next_].dts_ns - frames_.front().dts_ns) / speed_ <=
                            static_cast<double>((std::chrono::steady_clock::now() - start_).count())) {
        sink_(frames_[next_++]);
      }
      schedule();
    });
  }

  boost::asio::steady_timer timer_;
  std::vector<EncodedFrame> frames_;
  std::function<void(const EncodedFrame&)> sink_;
  double speed_;
  std::chrono::steady_clock::time_point start_;
  size_t next_ = 0;
};

}  // namespace airclass::media::test
