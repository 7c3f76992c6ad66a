// The WHEP routes over a real HttpServer, in front of a viewer source that answers with the real SDP machinery
// (SessionDescription + SdpAnswer on the captured Chromium WHEP offer): status codes, headers, auth rules.
#include "server/whep_routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "media/webrtc/sdp_answer.hpp"
#include "media/webrtc/session_description.hpp"
#include "server/deps.hpp"
#include "server/http_metrics.hpp"
#include "server/http_router.hpp"
#include "server/http_server.hpp"
#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

using media::webrtc::ViewerRequest;
using media::webrtc::ViewerSession;

constexpr const char* kSecret = "whep-routes-test-secret";

std::string chromiumOffer() {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/tests/unit/media/webrtc/vectors/chromium_whep_offer.sdp",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string token(common::Role role, const std::string& room, const std::string& sub) {
  common::Claims c;
  c.sub = sub;
  c.role = role;
  c.room = room;
  c.exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count() + 600;
  return common::mintToken(c, kSecret);
}

class WhepRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routeLwsLogs(common::log::Level::Warn);
    WhepSources sources;
    sources.auth_secret = kSecret;
    sources.add_viewer = [this](const ViewerRequest& request) {
      if (request.room != "math") throw common::Error(common::ErrorCode::NotFound, "room not live");
      std::lock_guard lock(mutex_);
      if (sessions_.size() >= 2) throw common::Error(common::ErrorCode::Unavailable, "viewer limit");
      auto offer = media::webrtc::SessionDescription::parse(request.offer_sdp);
      if (!offer) throw common::Error(common::ErrorCode::BadRequest, "bad SDP: " + offer.error());
      media::webrtc::SdpAnswerSettings s;
      s.ice_ufrag = "srvU";
      s.ice_pwd = "0123456789abcdefghijklmn";
      s.fingerprint_sha256 =
          "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
      s.candidates = {{"1", 2130706431, "127.0.0.1", 10000, false}};
      s.video_ssrc = 1111;
      s.audio_ssrc = 3333;
      const auto answer = media::webrtc::SdpAnswer::create(*offer, s);
      const std::string id = "s" + std::to_string(next_++);
      sessions_.insert(id);
      requests_.push_back(request);
      return ViewerSession{id, answer.sdp};
    };
    sources.remove_viewer = [this](const std::string& id) {
      std::lock_guard lock(mutex_);
      return sessions_.erase(id) > 0;
    };
    addWhepRoutes(router_, std::move(sources));
    HttpServer::Settings s;
    s.host = "127.0.0.1";
    s.port = 0;
    server_ = std::make_unique<HttpServer>(s, router_, metrics_);
    server_->start();
  }

  test::Response post(const std::string& target, const std::string& body, const std::string& headers) {
    test::HttpTestClient c(server_->port());
    return c.request("POST", target, body, headers);
  }

  static std::string errorCode(const test::Response& r) {
    return nlohmann::json::parse(r.body)["error"]["code"].get<std::string>();
  }

  std::mutex mutex_;
  std::set<std::string> sessions_;
  std::vector<ViewerRequest> requests_;
  int next_ = 1;
  HttpRouter router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(WhepRoutesTest, AnonymousOfferGets201LocationAndAnswerThenDelete) {
  auto r = post("/whep/math", chromiumOffer(), "Content-Type: application/sdp\r\n");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/sdp");
  EXPECT_EQ(r.headers["location"], "/whep/math/s1");
  EXPECT_NE(r.headers["access-control-expose-headers"].find("Location"), std::string::npos);
  EXPECT_EQ(r.body.rfind("v=0\r\n", 0), 0u) << r.body;
  EXPECT_NE(r.body.find("a=ice-lite\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("a=sendonly\r\n"), std::string::npos);
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].room, "math");
  EXPECT_EQ(requests_[0].viewer_id.rfind("anon-", 0), 0u) << requests_[0].viewer_id;
  EXPECT_EQ(requests_[0].viewer_id.size(), 5u + 16u);
  EXPECT_EQ(requests_[0].offer_sdp, chromiumOffer());
  EXPECT_TRUE(requests_[0].rendition.empty());

  test::HttpTestClient c(server_->port());
  EXPECT_EQ(c.request("PATCH", "/whep/math/s1", "a=end-of-candidates\r\n",
                      "Content-Type: application/trickle-ice-sdpfrag\r\n").status, 204);
  EXPECT_EQ(c.request("DELETE", "/whep/math/s1").status, 200);
  auto again = c.request("DELETE", "/whep/math/s1");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(errorCode(again), "not_found");
}

TEST_F(WhepRoutesTest, TokenSubIsTheViewerIdAndRenditionIsPassedOn) {
  auto r = post("/whep/math?rendition=360p", chromiumOffer(),
                "Content-Type: application/sdp; charset=utf-8\r\nAuthorization: Bearer " +
                    token(common::Role::Student, "math", "stu-7") + "\r\n");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].viewer_id, "stu-7");
  EXPECT_EQ(requests_[0].rendition, "360p");
  auto admin = post("/whep/math", chromiumOffer(),
                    "Content-Type: application/sdp\r\nAuthorization: Bearer " + token(common::Role::Admin, "", "root") +
                        "\r\n");
  EXPECT_EQ(admin.status, 201) << admin.body;
}

TEST_F(WhepRoutesTest, ErrorsAreJsonWithTheRightStatus) {
  const std::string sdp = "Content-Type: application/sdp\r\n";
  auto other_room = post("/whep/math", chromiumOffer(),
                         sdp + "Authorization: Bearer " + token(common::Role::Student, "art", "s") + "\r\n");
  EXPECT_EQ(other_room.status, 403);
  EXPECT_EQ(errorCode(other_room), "forbidden");
  auto bad_token = post("/whep/math", chromiumOffer(), sdp + "Authorization: Bearer abc.def.ghi\r\n");
  EXPECT_EQ(bad_token.status, 401);
  auto not_bearer = post("/whep/math", chromiumOffer(), sdp + "Authorization: Basic dXNlcjpwdw==\r\n");
  EXPECT_EQ(not_bearer.status, 401);

  EXPECT_EQ(post("/whep/physics", chromiumOffer(), sdp).status, 404);  // not live
  auto wrong_type = post("/whep/math", chromiumOffer(), "Content-Type: application/json\r\n");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(errorCode(wrong_type), "unsupported");
  EXPECT_EQ(post("/whep/math", "", sdp).status, 400);
  auto garbage = post("/whep/math", "hello\x01world", sdp);
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(errorCode(garbage), "bad_request");

  // An offer with no codec we can send: H.264 and Opus removed.
  std::string vp8_only;
  std::istringstream lines(chromiumOffer());
  for (std::string line; std::getline(lines, line);) {
    if (line.find("H264") != std::string::npos || line.find("opus") != std::string::npos) continue;
    vp8_only += line + "\n";
  }
  auto no_codec = post("/whep/math", vp8_only, sdp);
  EXPECT_EQ(no_codec.status, 415) << no_codec.body;

  EXPECT_EQ(post("/whep/math", chromiumOffer(), sdp).status, 201);
  EXPECT_EQ(post("/whep/math", chromiumOffer(), sdp).status, 201);
  auto full = post("/whep/math", chromiumOffer(), sdp);
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(errorCode(full), "unavailable");

  EXPECT_EQ(post("/whep/math/s1", chromiumOffer(), sdp).status, 404);
  EXPECT_EQ(post("/whep/ma..th", chromiumOffer(), sdp).status, 404);
  EXPECT_EQ(post("/whep/math?rendition=a/b", chromiumOffer(), sdp).status, 400);
  test::HttpTestClient c(server_->port());
  EXPECT_EQ(c.request("GET", "/whep/math").status, 405);
  EXPECT_EQ(c.request("PATCH", "/whep/math/s1", "{}", "Content-Type: application/json\r\n").status,
            415);
}

}  // namespace
}  // namespace airclass::server
