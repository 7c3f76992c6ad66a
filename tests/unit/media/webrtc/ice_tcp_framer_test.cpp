// RFC 4571 framing of ICE-TCP: frames split at any byte boundary, several in one read, and the bounds.
#include "media/webrtc/ice_tcp_framer.hpp"

#include <gtest/gtest.h>

namespace airclass::media::webrtc {
namespace {

std::vector<uint8_t> framed(const std::vector<uint8_t>& packet) {
  std::vector<uint8_t> out = {static_cast<uint8_t>(packet.size() >> 8), static_cast<uint8_t>(packet.size())};
  out.insert(out.end(), packet.begin(), packet.end());
  return out;
}

TEST(IceTcpFramer, ReassemblesFramesSplitAnywhere) {
  std::vector<uint8_t> stream = framed({1, 2, 3});
  const auto second = framed(std::vector<uint8_t>(300, 7));
  stream.insert(stream.end(), second.begin(), second.end());
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    IceTcpFramer framer;
    std::vector<std::vector<uint8_t>> frames;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      const size_t n = std::min(chunk, stream.size() - at);
      ASSERT_TRUE(framer.feed(std::span(stream).subspan(at, n), [&](std::span<const uint8_t> f) {
        frames.emplace_back(f.begin(), f.end());
        return true;
      }));
    }
    ASSERT_EQ(frames.size(), 2u) << chunk;
    EXPECT_EQ(frames[0], (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(frames[1], std::vector<uint8_t>(300, 7));
  }
}

TEST(IceTcpFramer, RefusesEmptyAndOversizedFramesAndStopsWhenTold) {
  const auto keep = [](std::span<const uint8_t>) { return true; };
  IceTcpFramer a;
  EXPECT_FALSE(a.feed(std::vector<uint8_t>{0, 0}, keep));
  IceTcpFramer b;
  const auto limit = static_cast<uint16_t>(IceTcpFramer::kMaxFrame + 1);
  EXPECT_FALSE(b.feed(std::vector<uint8_t>{static_cast<uint8_t>(limit >> 8), static_cast<uint8_t>(limit)}, keep));
  IceTcpFramer c;
  EXPECT_TRUE(c.feed(framed(std::vector<uint8_t>(IceTcpFramer::kMaxFrame, 1)), keep));
  int seen = 0;
  std::vector<uint8_t> two = framed({1});
  two.insert(two.end(), two.begin(), two.end());
  IceTcpFramer d;
  EXPECT_FALSE(d.feed(two, [&](std::span<const uint8_t>) { return ++seen < 1; }));
  EXPECT_EQ(seen, 1);  // nothing after the refused frame
}

}  // namespace
}  // namespace airclass::media::webrtc
