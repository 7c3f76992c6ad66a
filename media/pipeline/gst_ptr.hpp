// RAII owners for GStreamer handles (objects, caps, samples, buffer maps, pipelines). Header-only helpers;
// thread rules are GStreamer's own (refcounts are atomic; a pipeline is stopped by its owner's thread).
#pragma once
#include <gst/gst.h>

#include <memory>

namespace airclass::media::pipeline {

struct GstObjectUnref {
  void operator()(gpointer object) const {
    if (object) gst_object_unref(object);
  }
};
struct GstCapsUnref {
  void operator()(GstCaps* caps) const {
    if (caps) gst_caps_unref(caps);
  }
};
struct GstSampleUnref {
  void operator()(GstSample* sample) const {
    if (sample) gst_sample_unref(sample);
  }
};
// A pipeline is set to NULL (which joins its streaming threads) before the last reference goes.
struct GstPipelineStop {
  void operator()(GstElement* pipeline) const {
    if (!pipeline) return;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
};

template <class T>
using GstObjectPtr = std::unique_ptr<T, GstObjectUnref>;
using GstCapsPtr = std::unique_ptr<GstCaps, GstCapsUnref>;
using GstSamplePtr = std::unique_ptr<GstSample, GstSampleUnref>;
using GstPipelinePtr = std::unique_ptr<GstElement, GstPipelineStop>;

// Maps a buffer for reading for the lifetime of the object.
class GstBufferReadMap {
 public:
  explicit GstBufferReadMap(GstBuffer* buffer) : buffer_(buffer) {
    ok_ = buffer_ != nullptr && gst_buffer_map(buffer_, &info_, GST_MAP_READ);
  }
  ~GstBufferReadMap() {
    if (ok_) gst_buffer_unmap(buffer_, &info_);
  }
  GstBufferReadMap(const GstBufferReadMap&) = delete;
  GstBufferReadMap& operator=(const GstBufferReadMap&) = delete;

  bool ok() const { return ok_; }
  const guint8* data() const { return info_.data; }
  gsize size() const { return info_.size; }

 private:
  GstBuffer* buffer_;
  GstMapInfo info_{};
  bool ok_ = false;
};

}  // namespace airclass::media::pipeline
