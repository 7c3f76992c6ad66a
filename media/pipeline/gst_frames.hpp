// Conversions between GStreamer samples/caps and EncodedFrame / VideoConfig / AudioConfig. Header-only so
// the ingest sources can use them without linking the pipeline library. Pure functions: any thread.
#pragma once
#include <gst/gst.h>

#include <memory>
#include <optional>

#include "media/encoded_frame.hpp"
#include "media/pipeline/gst_ptr.hpp"

namespace airclass::media::pipeline {

// The codec_data buffer of the caps' first structure, empty when absent.
inline Bytes codecDataFromCaps(const GstCaps* caps) {
  if (!caps || gst_caps_get_size(caps) == 0) return {};
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const GValue* value = gst_structure_get_value(s, "codec_data");
  if (!value || !GST_VALUE_HOLDS_BUFFER(value)) return {};
  GstBufferReadMap map(gst_value_get_buffer(value));
  if (!map.ok()) return {};
  return Bytes(map.data(), map.data() + map.size());
}

inline int intFromCaps(const GstCaps* caps, const char* field) {
  if (!caps || gst_caps_get_size(caps) == 0) return 0;
  int value = 0;
  if (!gst_structure_get_int(gst_caps_get_structure(caps, 0), field, &value)) return 0;
  return value;
}

// H.264 caps (stream-format=avc) -> VideoConfig; nullopt without codec_data.
inline std::optional<VideoConfig> videoConfigFromCaps(const GstCaps* caps) {
  VideoConfig config;
  config.avcc = codecDataFromCaps(caps);
  if (config.avcc.empty()) return std::nullopt;
  config.width = intFromCaps(caps, "width");
  config.height = intFromCaps(caps, "height");
  return config;
}

// Raw AAC caps (stream-format=raw) -> AudioConfig; nullopt without codec_data.
inline std::optional<AudioConfig> audioConfigFromCaps(const GstCaps* caps) {
  AudioConfig config;
  config.asc = codecDataFromCaps(caps);
  if (config.asc.empty()) return std::nullopt;
  config.sample_rate = intFromCaps(caps, "rate");
  config.channels = intFromCaps(caps, "channels");
  return config;
}

// A buffer timestamp -> running time (encoders such as x264enc shift their output segment by 1000 hours;
// the running time is what the pipeline's input had). False when it cannot be mapped.
inline bool runningTime(const GstSegment* segment, GstClockTime t, int64_t& out) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return false;
  if (!segment || segment->format != GST_FORMAT_TIME) {
    out = static_cast<int64_t>(t);
    return true;
  }
  guint64 rt = 0;
  const int sign = gst_segment_to_running_time_full(segment, GST_FORMAT_TIME, t, &rt);
  if (sign == 0) return false;
  out = sign > 0 ? static_cast<int64_t>(rt) : -static_cast<int64_t>(rt);
  return true;
}

// One sample -> one frame with running-time timestamps (copies the bytes once into an immutable shared
// block). A missing dts is the pts.
inline std::optional<EncodedFrame> frameFromSample(GstSample* sample, TrackKind kind) {
  GstBuffer* buffer = sample ? gst_sample_get_buffer(sample) : nullptr;
  if (!buffer) return std::nullopt;
  const GstSegment* segment = gst_sample_get_segment(sample);
  EncodedFrame frame;
  frame.kind = kind;
  if (!runningTime(segment, GST_BUFFER_PTS(buffer), frame.pts_ns)) return std::nullopt;
  if (!runningTime(segment, GST_BUFFER_DTS(buffer), frame.dts_ns)) frame.dts_ns = frame.pts_ns;
  frame.keyframe = kind == TrackKind::Audio || !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstBufferReadMap map(buffer);
  if (!map.ok() || map.size() == 0) return std::nullopt;
  frame.data = std::make_shared<const Bytes>(map.data(), map.data() + map.size());
  return frame;
}

// One appsink's reading state (its streaming thread only): the last caps seen, and whether it is skipping to a
// keyframe because the media loop fell behind.
struct SinkReader {
  TrackKind kind = TrackKind::Video;
  GstCapsPtr caps;
  bool wait_key = false;

  struct Output {
    std::optional<VideoConfig> video_config;  // set when the caps changed
    std::optional<AudioConfig> audio_config;
    std::optional<EncodedFrame> frame;
    bool dropped = false;  // a frame was dropped to catch up
  };

  // Reads a sample. Once `pending` frames wait for the loop (>= max_pending), frames are dropped until the next
  // keyframe, so the output stays decodable.
  Output read(GstSample* sample, int pending, int max_pending) {
    Output out;
    GstCaps* sample_caps = gst_sample_get_caps(sample);
    if (sample_caps && (!caps || !gst_caps_is_equal(sample_caps, caps.get()))) {
      caps.reset(gst_caps_ref(sample_caps));
      if (kind == TrackKind::Video) {
        out.video_config = videoConfigFromCaps(sample_caps);
      } else {
        out.audio_config = audioConfigFromCaps(sample_caps);
      }
    }
    out.frame = frameFromSample(sample, kind);
    if (!out.frame) return out;
    if (pending >= max_pending) {
      wait_key = true;
      out.dropped = true;
      out.frame.reset();
    } else if (wait_key) {
      if (out.frame->keyframe) {
        wait_key = false;
      } else {
        out.frame.reset();
      }
    }
    return out;
  }
};

// A frame -> a new buffer (the bytes are copied; GStreamer owns the result). Null for negative timestamps.
inline GstBuffer* bufferFromFrame(const EncodedFrame& frame) {
  if (!frame.data || frame.data->empty() || frame.pts_ns < 0 || frame.dts_ns < 0) return nullptr;
  GstBuffer* buffer = gst_buffer_new_memdup(frame.data->data(), frame.data->size());
  GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(frame.pts_ns);
  GST_BUFFER_DTS(buffer) = static_cast<GstClockTime>(frame.dts_ns);
  if (!frame.keyframe) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

// Caps with a codec_data buffer copied from `bytes`.
inline void setCodecData(GstCaps* caps, const Bytes& bytes) {
  GstBuffer* buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, buffer, nullptr);
  gst_buffer_unref(buffer);
}

}  // namespace airclass::media::pipeline
