#include "server/admin_metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

namespace airclass::server {
namespace {

using namespace std::chrono_literals;

bool hasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(AdminMetrics, FamiliesAndLabels) {
  media::RoomList rooms(1);
  rooms[0].room = "math";
  rooms[0].protocol = "rtmp";
  rooms[0].live = true;
  rooms[0].ingest_kbps = 2500;
  rooms[0].ingest_fps = 30;
  signaling::SignalingService::Metrics sig;
  sig.joins = 5;
  sig.leaves = 2;
  sig.ws_in = 40;
  sig.ws_out = 90;
  sig.rooms.push_back({"math", signaling::protocol::Counts{1, 4, 0}, 1, 2, 3});
  HlsViewerTracker hls(2000ms);
  hls.onRequest("/hls/math/720p/index.m3u8", "vid=a", 200, 0);
  hls.onRequest("/hls/math/720p/part-1.2.m4s", "", 200, 0);
  media::webrtc::FanoutSnapshot webrtc;
  webrtc.viewers.push_back({"w1", "math", "s1", "720p", true, 100, 120000, 3, 1, 1, 0.02});
  webrtc.viewers.push_back({"w2", "math", "s2", "720p", true, 50, 60000, 1, 0, 0, 0.0});
  std::map<std::pair<std::string, std::string>, RenditionMonitor::Health> renditions{{{"math", "720p"}, {1.0, true}}};
  AdminMetricsInputs in{&rooms, &sig, &hls, &renditions, &webrtc, nullptr};
  const std::string text = renderAdminMetrics(in);

  EXPECT_TRUE(hasLine(text, "airclass_room_viewers{room=\"math\"} 3")) << text;
  EXPECT_TRUE(hasLine(text, "airclass_room_players{room=\"math\",protocol=\"hls\"} 2"));
  EXPECT_TRUE(hasLine(text, "airclass_room_members{room=\"math\",role=\"student\"} 4"));
  EXPECT_TRUE(hasLine(text, "airclass_signaling_joins_total 5"));
  EXPECT_TRUE(hasLine(text, "airclass_ws_messages_total{direction=\"out\"} 90"));
  EXPECT_TRUE(hasLine(text, "airclass_ingest_bitrate_kbps{room=\"math\",protocol=\"rtmp\"} 2500"));
  EXPECT_TRUE(hasLine(text, "airclass_rendition_realtime_factor{room=\"math\",rendition=\"720p\"} 1"));
  EXPECT_TRUE(hasLine(text, "airclass_webrtc_viewers{room=\"math\"} 2"));
  EXPECT_TRUE(hasLine(text, "airclass_webrtc_packets_sent_total{room=\"math\"} 150"));
  EXPECT_TRUE(hasLine(text, "airclass_webrtc_nacks_total{room=\"math\"} 4"));
  EXPECT_TRUE(hasLine(text, "airclass_webrtc_loss_ratio{room=\"math\"} 0.01"));
  EXPECT_TRUE(hasLine(text, "airclass_hls_requests_total{type=\"playlist\",code=\"200\"} 1"));
  EXPECT_TRUE(hasLine(text, "airclass_hls_requests_total{type=\"part\",code=\"200\"} 1"));

  // Every family announced once (TYPE), and every sample belongs to the family announced last.
  std::istringstream lines(text);
  std::string line, family;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(family).second) << family;
    } else if (line[0] != '#') {
      EXPECT_EQ(line.substr(0, family.size()), family) << line;
    }
  }
}

TEST(AdminMetrics, LabelEscapingAndProcessMetrics) {
  EXPECT_EQ(escapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  const std::string text = renderProcessMetrics();
  EXPECT_NE(text.find("process_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
}

}  // namespace
}  // namespace airclass::server
