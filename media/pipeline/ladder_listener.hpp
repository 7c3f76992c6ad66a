// What a Ladder reports to its owner: each rung's encoder output, the audio encoders' output (AAC for HLS,
// Opus for WebRTC), and a failure.
// Called on the media loop only (the ladder posts from GStreamer's threads).
#pragma once
#include <cstddef>
#include <string>

#include "media/encoded_frame.hpp"

namespace airclass::media::pipeline {

class LadderListener {
 public:
  virtual ~LadderListener() = default;
  // `rung` indexes Ladder::rungs(). A config comes before the first frame and again whenever it changes.
  virtual void onRungConfig(size_t rung, const VideoConfig& config) = 0;
  virtual void onRungFrame(size_t rung, const EncodedFrame& frame) = 0;
  virtual void onEncodedAudioConfig(const AudioConfig& config) = 0;
  virtual void onEncodedAudioFrame(const EncodedFrame& frame) = 0;
  // The same audio as Opus, 48 kHz stereo, one 20 ms packet per frame (no codec config: RFC 7587 needs none).
  virtual void onOpusFrame(const EncodedFrame& frame) = 0;
  // The pipeline failed; nothing more will be reported. The owner should destroy the ladder (later, not
  // inside this call).
  virtual void onLadderError(const std::string& message) = 0;
};

}  // namespace airclass::media::pipeline
