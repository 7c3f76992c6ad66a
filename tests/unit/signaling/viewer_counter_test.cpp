#include "signaling/viewer_counter.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace airclass::signaling {
namespace {

TEST(ViewerCounterTest, CountsEachPersonOnceWhateverTheyUse) {
  ViewerCounter c;
  std::vector<std::string_view> students = {"s1", "s2", "s2"};  // s2 twice: two tabs
  std::vector<std::string> webrtc = {"s1", "w9"};               // s1 also on WebRTC, w9 a player without a page
  std::vector<std::string> hls = {"s2", "h7", "w9"};
  EXPECT_EQ(c.count(students, webrtc, hls), 4);  // s1 s2 w9 h7
  EXPECT_EQ(c.count(students, {}, {}), 2);
  EXPECT_EQ(c.count({}, {}, {"a", "a"}), 1);
  EXPECT_EQ(c.count({}, {}, {}), 0);
  // A teacher or admin watching the player is not a viewer, once however often listed.
  EXPECT_EQ(c.count(students, webrtc, hls, {"w9", "nobody", "w9"}), 3);  // s1 s2 h7
  EXPECT_EQ(c.count({"t1"}, {}, {}, {"t1"}), 0);
}

TEST(ViewerCounterTest, NothingOfAnEarlierCountLeaksIntoTheNext) {
  ViewerCounter c;
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back("id-" + std::to_string(i));
  EXPECT_EQ(c.count({}, many, many), 1000);
  EXPECT_EQ(c.count({"id-1"}, {}, {}), 1);  // the table stays large; the earlier ids are not in it
  EXPECT_EQ(c.count({}, {"id-1", "id-2"}, {}, {"id-3"}), 2);
  std::vector<std::string> more;
  for (int i = 0; i < 5000; ++i) more.push_back("x-" + std::to_string(i));
  EXPECT_EQ(c.count({}, more, many), 6000);  // grows
  EXPECT_EQ(c.count({}, {}, {}), 0);
}

TEST(ViewerCounterTest, MatchesASetOnRandomRooms) {
  ViewerCounter c;
  std::mt19937 rng(3);
  for (int room = 0; room < 200; ++room) {
    const int pool = 1 + static_cast<int>(rng() % 300);
    auto pick = [&](size_t n) {
      std::vector<std::string> ids;
      for (size_t i = 0; i < n; ++i) ids.push_back("u" + std::to_string(rng() % static_cast<unsigned>(pool)));
      return ids;
    };
    const std::vector<std::string> subs = pick(rng() % 200), webrtc = pick(rng() % 100), hls = pick(rng() % 100),
                                    staff_ids = pick(rng() % 4);
    const std::vector<std::string_view> students(subs.begin(), subs.end()), staff(staff_ids.begin(), staff_ids.end());
    std::set<std::string> expected(subs.begin(), subs.end());
    expected.insert(webrtc.begin(), webrtc.end());
    expected.insert(hls.begin(), hls.end());
    for (const auto& s : staff_ids) expected.erase(s);
    EXPECT_EQ(c.count(students, webrtc, hls, staff), static_cast<int>(expected.size())) << "room " << room;
  }
}

}  // namespace
}  // namespace airclass::signaling
