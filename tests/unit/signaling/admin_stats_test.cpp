#include "signaling/admin_stats.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "signaling/signaling_store.hpp"
#include "signaling_test_support.hpp"

namespace airclass::signaling {
namespace {

using json = nlohmann::json;

// Drives AdminStats directly, the way ClassroomService and the server do once a second.
class AdminStatsTest : public ::testing::Test {
 protected:
  struct RoomWorld {
    bool live = true;
    std::vector<std::string> students, staff, webrtc, hls;
    double kbps = 2000;
  };

  json tick() {
    now += 1000;
    auto feed = std::make_shared<MediaFeed>();
    std::vector<MemberRoom> members;
    for (const auto& [name, w] : world) {
      MediaFeed::Room m;
      m.room = name;
      m.broadcast = m.live = w.live;
      m.protocol = "rtmp";
      m.bitrate_kbps = w.kbps;
      m.webrtc = w.webrtc;
      m.hls = w.hls;
      feed->rooms.push_back(std::move(m));
      if (w.students.empty() && w.staff.empty()) continue;
      MemberRoom r{name, w.live, 7, {static_cast<int>(w.staff.size()), static_cast<int>(w.students.size()), 0},
                   true, {}, {}};
      r.students.assign(w.students.begin(), w.students.end());
      r.staff.assign(w.staff.begin(), w.staff.end());
      members.push_back(std::move(r));
    }
    stats.setMediaFeed(std::move(feed));
    return json::parse(stats.tick(now, members)->text());
  }
  static json byRoom(const json& event) {
    json out = json::object();
    for (const auto& r : event["rooms"]) out[r["room"].get<std::string>()] = r;
    return out;
  }
  static json room(const json& event, const std::string& name) {
    for (const auto& r : event["rooms"]) {
      if (r["room"] == name) return r;
    }
    return json();
  }

  testing::TempDir dir;
  SignalingStore store{dir.file("signaling.db")};
  AdminStats stats{store};
  int64_t now = 1'800'000'040'000;
  std::map<std::string, RoomWorld> world;
};

TEST_F(AdminStatsTest, AViewerMovingFromHlsToWebrtcIsCountedOnce) {
  world["math"].students = {"s1", "s2"};
  world["math"].hls = {"s1"};
  json e = tick();
  EXPECT_EQ(room(e, "math")["viewers"], 2);
  world["math"].webrtc = {"s1"};  // s1 switched players; the HLS id has not expired yet
  e = tick();
  EXPECT_EQ(room(e, "math")["players"], json({{"webrtc", 1}, {"hls", 1}}));
  EXPECT_FALSE(room(e, "math").contains("viewers"));  // still 2: unchanged fields are left out
  world["math"].hls.clear();  // expired
  e = tick();
  EXPECT_FALSE(room(e, "math").contains("viewers"));
  EXPECT_EQ(e["totals"]["viewers"], 2);
  world["math"].students = {"s2"};  // s1 closed the page but keeps playing over WebRTC
  e = tick();
  EXPECT_TRUE(room(e, "math").contains("counts"));
  EXPECT_FALSE(room(e, "math").contains("viewers"));
  world["math"].webrtc.clear();
  e = tick();
  EXPECT_EQ(room(e, "math")["viewers"], 1);
  EXPECT_EQ(stats.numbers().at(0).viewers, 1);
}

TEST_F(AdminStatsTest, JoinsAndLeavesBetweenTicksAndRoomsThatComeBack) {
  world["math"].students = {"s1"};
  world["math"].staff = {"t1"};
  world["math"].webrtc = {"t1"};  // the teacher watching the player is not a viewer
  world["bio"].hls = {"v1", "v2"};  // players without a page
  json e = tick();
  EXPECT_EQ(room(e, "math")["viewers"], 1);
  EXPECT_EQ(room(e, "bio")["viewers"], 2);
  EXPECT_EQ(e["totals"]["viewers"], 3);

  e = tick();  // nothing changed: no room in the delta
  EXPECT_TRUE(e["rooms"].empty());

  world["math"].students.push_back("s2");
  world["math"].hls = {"s2", "s3"};
  world.erase("bio");
  e = tick();
  EXPECT_EQ(e["rooms"].size(), 1u);
  EXPECT_EQ(room(e, "math")["viewers"], 3);
  EXPECT_EQ(room(e, "math")["peak"], 3);
  EXPECT_EQ(e["removed"], json::array({"bio"}));

  world["bio"].hls = {"v1"};  // back: a new room, every field again
  e = tick();
  const json bio = room(e, "bio");
  EXPECT_EQ(bio["viewers"], 1);
  EXPECT_EQ(bio["peak"], 0);  // no class session in signaling
  EXPECT_EQ(bio["live"], true);
  EXPECT_TRUE(bio.contains("ingest"));
  EXPECT_TRUE(bio.contains("renditions"));
  EXPECT_TRUE(e["removed"].empty());

  world["math"].live = false;  // the broadcast ended: its ingest goes away, said with null
  e = tick();
  ASSERT_TRUE(room(e, "math").contains("ingest"));
  EXPECT_TRUE(room(e, "math")["ingest"].is_null());
  EXPECT_EQ(room(e, "math")["live"], false);
  EXPECT_FALSE(json::parse(stats.snapshotJson())["rooms"][1].contains("ingest"));  // bio, math
}

// Applying every delta to the first snapshot gives the snapshot of each later second, whatever changes.
TEST_F(AdminStatsTest, DeltasReplayedOverTheSnapshotGiveTheNextSnapshot) {
  std::mt19937 rng(11);
  for (int r = 0; r < 6; ++r) world["room-" + std::to_string(r)].students = {"s" + std::to_string(r)};
  tick();
  json view = byRoom(json::parse(stats.snapshotJson()));
  for (int t = 0; t < 40; ++t) {
    for (auto& [name, w] : world) {
      const std::string id = "u" + std::to_string(rng() % 8);
      switch (rng() % 6) {
        case 0: w.students.push_back(id); break;
        case 1: if (!w.students.empty()) w.students.pop_back(); break;
        case 2: w.webrtc.push_back(id); break;
        case 3: w.hls = {id}; break;
        case 4: w.kbps = 1000 + static_cast<double>(rng() % 3000); break;
        default: w.live = !w.live; break;
      }
    }
    if (rng() % 5 == 0) world.erase(world.begin());
    if (rng() % 5 == 0) world["extra-" + std::to_string(t)].hls = {"x"};
    const json e = tick();
    for (const auto& gone : e["removed"]) view.erase(gone.get<std::string>());
    for (const auto& r : e["rooms"]) {
      json& known = view[r["room"].get<std::string>()];
      for (const auto& [key, value] : r.items()) {  // Object.assign, with null for a field that went away
        if (value.is_null()) {
          known.erase(key);
        } else {
          known[key] = value;
        }
      }
    }
    ASSERT_EQ(view, byRoom(json::parse(stats.snapshotJson()))) << "tick " << t;
    for (const auto& [name, w] : world) {  // and each count is the de-duplicated one
      std::set<std::string> ids(w.students.begin(), w.students.end());
      ids.insert(w.webrtc.begin(), w.webrtc.end());
      ids.insert(w.hls.begin(), w.hls.end());
      const size_t viewers = view.contains(name) ? view[name]["viewers"].get<size_t>() : 0;  // absent: idle
      ASSERT_EQ(viewers, ids.size()) << name << " tick " << t;
    }
  }
}

}  // namespace
}  // namespace airclass::signaling
