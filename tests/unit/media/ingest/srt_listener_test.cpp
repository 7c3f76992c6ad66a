#include "media/ingest/srt_listener.hpp"

#include <gtest/gtest.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "common/auth.hpp"
#include "common/error.hpp"
#include "tests/unit/media/ingest/ingest_test_media.hpp"

namespace airclass::media::ingest {
namespace {

using namespace std::chrono_literals;
namespace t = airclass::media::ingest::testing;

constexpr const char* kSecret = "srt-test-secret";

std::string token(const std::string& room, common::Role role = common::Role::Teacher,
                  const std::string& secret = kSecret) {
  common::Claims claims;
  claims.sub = "teacher-1";
  claims.name = "Teacher";
  claims.role = role;
  claims.room = room;
  claims.exp = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count() + 3600;
  return common::mintToken(claims, secret);
}

// What the gate and its publications saw; written on the loop, read by the test thread.
struct Record {
  std::mutex mutex;
  std::vector<PublishRequest> requests;
  std::set<std::string> live;
  std::map<std::string, int> video_configs, audio_configs, video_frames, audio_frames, keyframes, ended;
  std::map<std::string, int64_t> last_video_dts;
  bool dts_went_back = false;
  bool off_loop = false;
};

// A fake room: accepts one publisher per room and records what arrives.
class RecordingPublication : public Publication {
 public:
  RecordingPublication(Record& record, std::string room, std::thread::id loop_thread)
      : record_(record), room_(std::move(room)), loop_thread_(loop_thread) {}
  ~RecordingPublication() override {
    std::lock_guard lock(record_.mutex);
    check();
    record_.live.erase(room_);
    ++record_.ended[room_];
  }
  void onVideoConfig(const VideoConfig& config) override {
    std::lock_guard lock(record_.mutex);
    check();
    if (room_ == "too_big") {  // a room that cannot take this source
      throw common::Error(common::ErrorCode::TooLarge, "resolution above the limit");
    }
    if (!config.avcc.empty() && config.width == 320) {
      ++record_.video_configs[room_];
    }
  }
  void onAudioConfig(const AudioConfig& config) override {
    std::lock_guard lock(record_.mutex);
    check();
    if (!config.asc.empty() && config.sample_rate == 48000) {
      ++record_.audio_configs[room_];
    }
  }
  void onFrame(const EncodedFrame& frame) override {
    std::lock_guard lock(record_.mutex);
    check();
    if (frame.kind == TrackKind::Audio) {
      ++record_.audio_frames[room_];
      return;
    }
    auto [it, first] = record_.last_video_dts.try_emplace(room_, frame.dts_ns);
    if (!first && frame.dts_ns <= it->second) {
      record_.dts_went_back = true;
    }
    it->second = frame.dts_ns;
    ++record_.video_frames[room_];
    record_.keyframes[room_] += frame.keyframe ? 1 : 0;
  }

 private:
  void check() {
    if (std::this_thread::get_id() != loop_thread_) {
      record_.off_loop = true;
    }
  }
  Record& record_;
  std::string room_;
  std::thread::id loop_thread_;
};

class TestGate : public PublishGate {
 public:
  TestGate(Record& record, std::thread::id loop_thread) : record_(record), loop_thread_(loop_thread) {}
  std::unique_ptr<Publication> publish(const PublishRequest& request) override {
    std::lock_guard lock(record_.mutex);
    record_.requests.push_back(request);
    if (!record_.live.insert(request.room).second) {
      throw common::Error(common::ErrorCode::Conflict, "room already live");
    }
    return std::make_unique<RecordingPublication>(record_, request.room, loop_thread_);
  }

 private:
  Record& record_;
  std::thread::id loop_thread_;
};

class SrtListenerTest : public ::testing::Test {
 protected:
  SrtListenerTest() : work_(boost::asio::make_work_guard(loop_)), thread_([this] { loop_.run(); }) {
    config_.srt.host = "127.0.0.1";
    config_.srt.port = 0;
    config_.srt.latency_ms = 60;
    config_.auth.secret = kSecret;
    gate_ = std::make_unique<TestGate>(record_, thread_.get_id());
  }
  ~SrtListenerTest() override {
    listener_.reset();
    work_.reset();
    thread_.join();
  }

  void start() {
    listener_ = std::make_unique<SrtListener>(loop_, config_, *gate_);
    listener_->start();
    ASSERT_NE(listener_->port(), 0);
  }

  std::string url(const std::string& stream_id) const {
    // linger: ffmpeg keeps its socket open until the tail of the stream is delivered.
    return "srt://127.0.0.1:" + std::to_string(listener_->port()) + "?linger=2&streamid=" + stream_id;
  }

  // Publishes `seconds` of media with ffmpeg in real time; its exit status.
  int publish(const std::string& stream_id, double seconds = 2.0) const {
    return t::run("timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re " + t::ffmpegSource(seconds) +
                  " '" + url(stream_id) + "'");
  }

  template <typename Pred>
  bool waitFor(Pred pred, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(record_.mutex);
        if (pred()) {
          return true;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  common::Config config_;
  Record record_;
  boost::asio::io_context loop_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<TestGate> gate_;
  std::unique_ptr<SrtListener> listener_;
};

TEST_F(SrtListenerTest, FfmpegPublishesToRoom) {
  start();
  const std::string jwt = token("room1");
  ASSERT_EQ(publish("#!::r=room1,m=publish,s=" + jwt), 0);
  ASSERT_TRUE(waitFor([&] { return record_.ended["room1"] == 1; })) << "the publication never ended";

  std::lock_guard lock(record_.mutex);
  ASSERT_EQ(record_.requests.size(), 1u);
  EXPECT_EQ(record_.requests[0].room, "room1");
  EXPECT_EQ(record_.requests[0].token, jwt);
  EXPECT_EQ(record_.requests[0].protocol, "srt");
  EXPECT_TRUE(record_.requests[0].peer.starts_with("127.0.0.1:")) << record_.requests[0].peer;
  EXPECT_EQ(record_.video_configs["room1"], 1);
  EXPECT_EQ(record_.audio_configs["room1"], 1);
  // Everything ffmpeg sent, the tail included (the demuxer is drained when the publisher leaves):
  // 2 s at 30 fps with a keyframe each second, ~94 AAC frames.
  EXPECT_EQ(record_.video_frames["room1"], 60);
  EXPECT_EQ(record_.keyframes["room1"], 2);
  EXPECT_GE(record_.audio_frames["room1"], 90);
  EXPECT_LE(record_.audio_frames["room1"], 100);
  EXPECT_FALSE(record_.dts_went_back);
  EXPECT_FALSE(record_.off_loop);
}

TEST_F(SrtListenerTest, ShortStreamIdForm) {
  start();
  const std::string jwt = token("short_room");
  ASSERT_EQ(publish("publish:short_room:" + jwt, 1.0), 0);
  ASSERT_TRUE(waitFor([&] { return record_.ended["short_room"] == 1; }));
  std::lock_guard lock(record_.mutex);
  ASSERT_EQ(record_.requests.size(), 1u);
  EXPECT_EQ(record_.requests[0].token, jwt);
  EXPECT_EQ(record_.video_frames["short_room"], 30);
}

TEST_F(SrtListenerTest, RefusesBadStreamIdsAndTokens) {
  start();
  EXPECT_NE(publish("#!::r=room1,m=request,s=" + token("room1"), 1.0), 0);           // playback
  EXPECT_NE(publish("hello", 1.0), 0);                                              // garbage
  EXPECT_NE(publish("#!::r=room1,m=publish,s=not.a.jwt", 1.0), 0);                  // bad token
  EXPECT_NE(publish("#!::r=room1,m=publish,s=" + token("room1", common::Role::Teacher, "other"), 1.0), 0);
  EXPECT_NE(publish("#!::r=room1,m=publish,s=" + token("room2"), 1.0), 0);         // another room's token
  EXPECT_NE(publish("#!::r=room1,m=publish,s=" + token("room1", common::Role::Student), 1.0), 0);
  std::lock_guard lock(record_.mutex);
  EXPECT_TRUE(record_.requests.empty());
}

// A raw libsrt caller sees the reject reason.
TEST_F(SrtListenerTest, RejectReasonReachesCaller) {
  start();
  auto rejectFor = [&](const std::string& stream_id) {
    const SRTSOCKET sock = srt_create_socket();
    srt_setsockflag(sock, SRTO_STREAMID, stream_id.data(), static_cast<int>(stream_id.size()));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(listener_->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = srt_connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    const int reason = rc < 0 ? srt_getrejectreason(sock) : 0;
    srt_close(sock);
    return reason;
  };
  srt_startup();
  EXPECT_EQ(rejectFor("#!::r=room1,m=request,s=" + token("room1")), SRT_REJX_BAD_MODE);
  EXPECT_EQ(rejectFor("#!::r=room 1,m=publish,s=x"), SRT_REJX_BAD_REQUEST);
  EXPECT_EQ(rejectFor("#!::r=room1,m=publish,s=" + token("room1", common::Role::Teacher, "other")),
            SRT_REJX_UNAUTHORIZED);
  EXPECT_EQ(rejectFor("#!::r=room1,m=publish,s=" + token("room2")), SRT_REJX_FORBIDDEN);
  srt_cleanup();
}

TEST_F(SrtListenerTest, TwoRoomsAtOnceOnOnePort) {
  start();
  auto a = std::async(std::launch::async, [&] { return publish("#!::r=roomA,m=publish,s=" + token("roomA")); });
  auto b = std::async(std::launch::async, [&] { return publish("publish:roomB:" + token("roomB")); });
  EXPECT_EQ(a.get(), 0);
  EXPECT_EQ(b.get(), 0);
  ASSERT_TRUE(waitFor([&] { return record_.ended["roomA"] == 1 && record_.ended["roomB"] == 1; }));
  std::lock_guard lock(record_.mutex);
  EXPECT_EQ(record_.requests.size(), 2u);
  for (const std::string room : {"roomA", "roomB"}) {
    EXPECT_EQ(record_.video_configs[room], 1) << room;
    EXPECT_EQ(record_.video_frames[room], 60) << room;
    EXPECT_GE(record_.audio_frames[room], 90) << room;
  }
  EXPECT_FALSE(record_.off_loop);
}

TEST_F(SrtListenerTest, SecondPublisherToLiveRoomIsDropped) {
  start();
  auto first = std::async(std::launch::async, [&] { return publish("publish:room1:" + token("room1"), 3.0); });
  ASSERT_TRUE(waitFor([&] { return record_.video_frames["room1"] > 10; }));
  publish("publish:room1:" + token("room1"), 1.0);  // refused by the gate (Conflict), then closed
  EXPECT_EQ(first.get(), 0);
  ASSERT_TRUE(waitFor([&] { return record_.ended["room1"] == 1; }));
  std::lock_guard lock(record_.mutex);
  EXPECT_EQ(record_.requests.size(), 2u);
  EXPECT_EQ(record_.video_configs["room1"], 1);  // nothing from the second publisher reached the room
  EXPECT_LE(record_.video_frames["room1"], 90);
}

TEST_F(SrtListenerTest, HevcPublisherIsDropped) {
  if (!t::ffmpegHasEncoder("libx265")) {
    GTEST_SKIP() << "ffmpeg has no libx265";
  }
  start();
  t::run("timeout 30 ffmpeg -nostdin -hide_banner -loglevel quiet -re " + t::ffmpegSource(3.0, "libx265") +
         " -x265-params log-level=none '" + url("publish:hevc:" + token("hevc")) + "'");
  ASSERT_TRUE(waitFor([&] { return record_.ended["hevc"] == 1; }));
  std::lock_guard lock(record_.mutex);
  EXPECT_EQ(record_.video_frames["hevc"], 0);
}

TEST_F(SrtListenerTest, ConfigRefusedByRoomDropsPublisher) {
  start();
  auto publisher = std::async(std::launch::async, [&] { return publish("publish:too_big:" + token("too_big"), 4.0); });
  // The room refuses the stream: the publication ends while ffmpeg is still sending.
  EXPECT_TRUE(waitFor([&] { return record_.ended["too_big"] == 1; }, 3s));
  publisher.get();
  std::lock_guard lock(record_.mutex);
  EXPECT_EQ(record_.video_frames["too_big"], 0);
}

TEST_F(SrtListenerTest, StalledPublisherIsClosed) {
  config_.ingest.stall_timeout_s = 1;
  start();
  srt_startup();
  const SRTSOCKET sock = srt_create_socket();
  const std::string id = "publish:quiet:" + token("quiet");
  srt_setsockflag(sock, SRTO_STREAMID, id.data(), static_cast<int>(id.size()));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(listener_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(srt_connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_TRUE(waitFor([&] { return record_.requests.size() == 1; }));
  EXPECT_TRUE(waitFor([&] { return record_.ended["quiet"] == 1; }, 5s)) << "not closed after the stall timeout";
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (srt_getsockstate(sock) == SRTS_CONNECTED && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(srt_getsockstate(sock), SRTS_CONNECTED);
  srt_close(sock);
  srt_cleanup();
}

TEST_F(SrtListenerTest, StopIsIdempotentAndPortIsReleased) {
  start();
  const uint16_t port = listener_->port();
  listener_->stop();
  listener_->stop();
  config_.srt.port = port;
  start();  // the same port binds again
  EXPECT_EQ(listener_->port(), port);
}

TEST_F(SrtListenerTest, Ipv6WildcardTakesIpv4Callers) {
  config_.srt.host = "::";
  start();
  ASSERT_EQ(publish("publish:v6:" + token("v6"), 1.0), 0);
  ASSERT_TRUE(waitFor([&] { return record_.ended["v6"] == 1; }));
  std::lock_guard lock(record_.mutex);
  EXPECT_EQ(record_.video_frames["v6"], 30);
}

TEST_F(SrtListenerTest, BadAddressThrows) {
  config_.srt.host = "not-an-address";
  listener_ = std::make_unique<SrtListener>(loop_, config_, *gate_);
  EXPECT_THROW(listener_->start(), common::Error);
}

}  // namespace
}  // namespace airclass::media::ingest
