// A live lesson for latency benchmarks: every video frame carries the wall-clock time at which it was made,
// drawn as a row of black/white blocks that a page can read back from the decoded picture (timecode.js).
// Writes FLV (H.264 + AAC) to stdout in real time; pipe it into ffmpeg to publish anywhere.
//   timecode_source [--size WxH] [--fps N] [--kbps N] [--seconds N] > out.flv
//
// Code layout, relative to the picture so that any scaled rendition decodes: 34 blocks across the top
// 1/8 of the picture: block 0 white, block 33 black (calibration), blocks 1..32 the low 32 bits of the Unix
// time in milliseconds, most significant first (white = 1).
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kBlocks = 34;

struct Options {
  int width = 640;
  int height = 360;
  int fps = 30;
  int kbps = 1000;
  int seconds = 0;  // 0: run until killed
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--size") {
      std::sscanf(value, "%dx%d", &o.width, &o.height);
    } else if (key == "--fps") {
      o.fps = std::atoi(value);
    } else if (key == "--kbps") {
      o.kbps = std::atoi(value);
    } else if (key == "--seconds") {
      o.seconds = std::atoi(value);
    } else {
      std::fprintf(stderr, "timecode_source: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return o;
}

// Paints one I420 frame: a moving grey ramp below, the time code blocks on top.
void paint(std::vector<uint8_t>& frame, const Options& o, uint64_t frame_index, uint32_t code) {
  const int w = o.width;
  const int h = o.height;
  uint8_t* y = frame.data();
  for (int row = 0; row < h; ++row) {
    for (int col = 0; col < w; ++col) {
      y[row * w + col] = static_cast<uint8_t>((col + row + frame_index * 4) & 0xff);
    }
  }
  std::memset(frame.data() + w * h, 128, static_cast<size_t>(w * h / 2));  // neutral chroma
  const int band = h / 8;
  for (int b = 0; b < kBlocks; ++b) {
    bool white = b == 0 ? true : b == kBlocks - 1 ? false : ((code >> (32 - b)) & 1u) != 0;
    int x0 = b * w / kBlocks;
    int x1 = (b + 1) * w / kBlocks;
    for (int row = 0; row < band; ++row) {
      std::memset(y + row * w + x0, white ? 235 : 16, static_cast<size_t>(x1 - x0));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  Options o = parse(argc, argv);
  std::string desc =
      "appsrc name=src is-live=true format=time do-timestamp=false ! queue ! videoconvert ! "
      "x264enc tune=zerolatency speed-preset=ultrafast bitrate=" + std::to_string(o.kbps) +
      " key-int-max=" + std::to_string(o.fps) +
      " ! h264parse ! queue ! flvmux name=mux streamable=true ! fdsink fd=1 sync=false "
      "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
      "audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=96000 ! aacparse ! queue ! mux.";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &error);
  if (!pipeline) {
    std::fprintf(stderr, "timecode_source: %s\n", error ? error->message : "pipeline failed");
    return 1;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, o.width,
                                      "height", G_TYPE_INT, o.height, "framerate", GST_TYPE_FRACTION, o.fps, 1,
                                      nullptr);
  gst_app_src_set_caps(GST_APP_SRC(src), caps);
  gst_caps_unref(caps);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  const auto start = std::chrono::steady_clock::now();
  const auto frame_ns = std::chrono::nanoseconds(1'000'000'000LL / o.fps);
  std::vector<uint8_t> frame(static_cast<size_t>(o.width * o.height * 3 / 2));
  GstClock* clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
  for (uint64_t i = 0; o.seconds == 0 || i < static_cast<uint64_t>(o.seconds * o.fps); ++i) {
    std::this_thread::sleep_until(start + i * frame_ns);
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    paint(frame, o, i, static_cast<uint32_t>(now_ms));
    GstBuffer* buffer = gst_buffer_new_memdup(frame.data(), frame.size());
    // Running time of the live pipeline now: the buffer is "captured" at this instant.
    GstClockTime running = gst_clock_get_time(clock) - gst_element_get_base_time(pipeline);
    GST_BUFFER_PTS(buffer) = running;
    GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(frame_ns.count());
    if (gst_app_src_push_buffer(GST_APP_SRC(src), buffer) != GST_FLOW_OK) break;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND,
                                               static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_object_unref(clock);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  return 0;
}
