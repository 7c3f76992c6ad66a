// gst_init once for every test in this binary (what main() does in the server).
#include <gst/gst.h>
#include <gtest/gtest.h>

namespace {

class GStreamerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(nullptr, nullptr); }
};

[[maybe_unused]] ::testing::Environment* const kGStreamer =
    ::testing::AddGlobalTestEnvironment(new GStreamerEnvironment);

}  // namespace
