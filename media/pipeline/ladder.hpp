// One broadcast's transcoder: a GStreamer pipeline that decodes the publisher's H.264 once and encodes every
// rung of the ABR ladder with keyframes aligned across rungs, plus the audio re-encoded to AAC (HLS) and Opus
// (WebRTC). Output goes to a LadderListener on the media loop. Media loop only.
#pragma once
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "media/encoded_frame.hpp"
#include "media/pipeline/ladder_listener.hpp"

namespace airclass::media::pipeline {

// Immutable ladder settings, from [transcode].
struct LadderSettings {
  std::vector<common::LadderRung> rungs;
  int audio_kbps = 96;
  double keyframe_interval_s = 1.0;
  std::string x264_preset = "veryfast";

  static LadderSettings fromConfig(const common::Config::Transcode& transcode);
};

// A rung the ladder encodes, at its output size.
struct RungPlan {
  std::string name;
  int width = 0;
  int height = 0;
  int video_kbps = 0;
};

class Ladder {
 public:
  // The rungs that fit a source of this size: taller rungs are skipped; width follows the source aspect
  // ratio, rounded to even. With `keep_one`, a source smaller than every rung keeps the smallest rung at the
  // source height (so there is always a video rendition).
  static std::vector<RungPlan> plan(const LadderSettings& settings, int source_width, int source_height,
                                    bool keep_one);

  // Builds and starts the pipeline for `rungs` (usually plan(...)); `source` configures the decoder.
  // Throws common::Error(Internal) when the pipeline cannot be built (missing plugin, bad preset).
  Ladder(boost::asio::io_context& loop, std::string room, const LadderSettings& settings,
         std::vector<RungPlan> rungs, const VideoConfig& source, LadderListener& listener);
  ~Ladder();
  Ladder(const Ladder&) = delete;
  Ladder& operator=(const Ladder&) = delete;

  const std::vector<RungPlan>& rungs() const { return rungs_; }

  // A new source config (a publisher resumed with another encoder setting): the decoder reconfigures; the
  // rungs keep their output size (a different aspect ratio is letterboxed).
  void setVideoConfig(const VideoConfig& config);
  // The audio branch starts with the first audio config.
  void setAudioConfig(const AudioConfig& config);
  // Frames on the broadcast timeline, decode order. Return false when the frame was dropped (no config yet,
  // the input queue is over its bound and waiting for a keyframe, or the ladder failed). Never block.
  bool pushVideo(const EncodedFrame& frame);
  bool pushAudio(const EncodedFrame& frame);

  // Every rung cuts a keyframe on the next decoded frame (a WebRTC viewer asked for one). All rungs, not just
  // `rung`, so keyframes stay aligned across the ladder; the regular interval restarts from there.
  void requestKeyframe();

  bool failed() const;

  struct Shared;  // implementation detail: the state GStreamer's threads see

 private:
  bool push(TrackKind kind, const EncodedFrame& frame);

  std::string room_;
  std::vector<RungPlan> rungs_;
  std::shared_ptr<Shared> shared_;
  bool video_wait_key_ = true;
  bool audio_wait_key_ = false;
  bool audio_configured_ = false;
};

}  // namespace airclass::media::pipeline
