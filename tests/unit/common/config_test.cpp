#include "common/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace airclass::common {
namespace {

namespace fs = std::filesystem;

// Each test runs in a fresh empty working directory, so no config/airclass.toml is picked up by accident.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    dir_ = fs::temp_directory_path() /
           ("airclass-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  fs::path old_cwd_;
  fs::path dir_;
};

// The message of the Config error loadConfig throws, or "ok".
std::string error(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  try {
    loadConfig(args, env);
    return "ok";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
    return e.what();
  }
}

TEST_F(ConfigTest, DefaultsWithoutAnySource) {
  Config c = loadConfig({}, {"PATH=/usr/bin", "HOME=/root"});
  EXPECT_EQ(c, Config{});
  EXPECT_EQ(c.config_path, "");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.transcode.ladder.size(), 3u);
}

TEST_F(ConfigTest, ShippedFileEqualsDefaults) {
  std::string path = std::string(AIRCLASS_SOURCE_DIR) + "/config/airclass.toml";
  Config c = loadConfig({"--config", path}, {});
  EXPECT_EQ(c.config_path, path);
  c.config_path.clear();
  EXPECT_EQ(c, Config{});
}

TEST_F(ConfigTest, ShippedFileDocumentsEveryKey) {
  std::ifstream in(std::string(AIRCLASS_SOURCE_DIR) + "/config/airclass.toml");
  std::stringstream text;
  text << in.rdbuf();
  for (const std::string& name : configKeyNames()) {
    size_t dot = name.find('.');
    std::string env = "AIRCLASS_" + name, flag = "--" + name;
    if (dot == std::string::npos) flag = name == "data_dir" ? "--data-dir" : "--demo";
    for (char& ch : env) ch = (ch == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_NE(text.str().find(env), std::string::npos) << env;
    EXPECT_NE(text.str().find(flag), std::string::npos) << flag;
  }
}

TEST_F(ConfigTest, DefaultFileInWorkingDirectory) {
  write("config/airclass.toml", "[http]\nport = 8181\n");
  Config c = loadConfig({}, {});
  EXPECT_EQ(c.http.port, 8181);
  EXPECT_EQ(c.config_path, "config/airclass.toml");
}

TEST_F(ConfigTest, File) {
  std::string path = write("a.toml", R"(
data_dir = "/var/lib/airclass"
demo = true
[log]
level = "debug"
[rtmp]
max_message_bytes = 1048576
[webrtc]
candidates = ["192.0.2.1", "10.0.0.2"]
[hls]
segment_duration_s = 2      # an integer is a fine number
part_duration_s = 0.5
[transcode]
passthrough = false
[[transcode.ladder]]
name = "1080p"
height = 1080
video_kbps = 4500
)");
  Config c = loadConfig({"--config", path}, {});
  EXPECT_EQ(c.data_dir, "/var/lib/airclass");
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.rtmp.max_message_bytes, 1048576u);
  EXPECT_EQ(c.webrtc.candidates, (std::vector<std::string>{"192.0.2.1", "10.0.0.2"}));
  EXPECT_EQ(c.hls.segment_duration_s, 2.0);
  EXPECT_EQ(c.hls.part_duration_s, 0.5);
  EXPECT_FALSE(c.transcode.passthrough);
  EXPECT_EQ(c.transcode.ladder, (std::vector<LadderRung>{{"1080p", 1080, 4500}}));
  EXPECT_EQ(c.http.port, 8080);  // untouched keys keep their defaults
}

TEST_F(ConfigTest, EnvVars) {
  Config c = loadConfig({}, {"AIRCLASS_RTMP_MAX_MESSAGE_BYTES=65536", "AIRCLASS_HTTP_PORT=9090",
                             "AIRCLASS_WEBRTC_CANDIDATES=192.0.2.1, 10.0.0.2", "AIRCLASS_TRANSCODE_LADDER=",
                             "AIRCLASS_SIGNALING_STUDENTS_SEE_ROSTER=true", "AIRCLASS_DATA_DIR=/tmp/d",
                             "AIRCLASS_DEMO=1", "AIRCLASS_AUTH_SECRET=s3cret=with=equals",
                             "AIRCLASS_BINARY=/x/airclass", "AIRCLASS_SOURCE_DIR=/x", "OTHER_HTTP_PORT=1"});
  EXPECT_EQ(c.rtmp.max_message_bytes, 65536u);
  EXPECT_EQ(c.http.port, 9090);
  EXPECT_EQ(c.webrtc.candidates, (std::vector<std::string>{"192.0.2.1", "10.0.0.2"}));
  EXPECT_TRUE(c.transcode.ladder.empty());
  EXPECT_TRUE(c.signaling.students_see_roster);
  EXPECT_EQ(c.data_dir, "/tmp/d");
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.auth.secret, "s3cret=with=equals");
}

TEST_F(ConfigTest, Flags) {
  Config c = loadConfig({"--http.port", "9191", "--transcode.ladder=540p:540:1800,270p:270:400", "--demo",
                         "--data-dir", "/srv/data", "--hls.part_duration_s=0.25", "--log.level", "warn",
                         "--webrtc.candidates", ""},
                        {});
  EXPECT_EQ(c.http.port, 9191);
  EXPECT_EQ(c.transcode.ladder, (std::vector<LadderRung>{{"540p", 540, 1800}, {"270p", 270, 400}}));
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.data_dir, "/srv/data");
  EXPECT_EQ(c.hls.part_duration_s, 0.25);
  EXPECT_EQ(c.log.level, "warn");
  EXPECT_TRUE(c.webrtc.candidates.empty());
  EXPECT_FALSE(loadConfig({"--demo=false"}, {"AIRCLASS_DEMO=true"}).demo);
}

TEST_F(ConfigTest, Precedence) {
  std::string path = write("p.toml", "[http]\nport = 1001\n[srt]\nport = 2001\n[rtmp]\nport = 3001\n");
  std::vector<std::string> env = {"AIRCLASS_SRT_PORT=2002", "AIRCLASS_RTMP_PORT=3002"};
  Config c = loadConfig({"--config", path, "--rtmp.port", "3003"}, env);
  EXPECT_EQ(c.http.port, 1001);  // file over default
  EXPECT_EQ(c.srt.port, 2002);   // env over file
  EXPECT_EQ(c.rtmp.port, 3003);  // flag over env
  EXPECT_EQ(c.webrtc.port, 10000);
  // The last of repeated flags wins; --config may come anywhere.
  c = loadConfig({"--rtmp.port=1", "--rtmp.port=2", "--config=" + path}, {});
  EXPECT_EQ(c.rtmp.port, 2);
  EXPECT_EQ(c.http.port, 1001);
}

// Every key can be set by flag: change all of them at once and compare with a config changed by hand.
TEST_F(ConfigTest, EveryKeyIsSettable) {
  std::vector<std::string> args = {
      "--log.level=error",
      "--http.host=127.0.0.1", "--http.port=1", "--http.web_root=/w", "--http.max_connections_per_ip=3",
      "--rtmp.host=127.0.0.2", "--rtmp.port=2", "--rtmp.max_message_bytes=2048", "--rtmp.handshake_timeout_s=3",
      "--srt.host=127.0.0.3", "--srt.port=3", "--srt.latency_ms=40",
      "--webrtc.port=4", "--webrtc.candidates=a,b", "--webrtc.workers=2", "--webrtc.max_viewers=5",
      "--webrtc.consent_timeout_s=6",
      "--auth.secret=k",
      "--ingest.reconnect_grace_s=5", "--ingest.stall_timeout_s=6", "--ingest.max_width=640",
      "--ingest.max_height=480",
      "--transcode.passthrough=false", "--transcode.ladder=q:240:300", "--transcode.audio_kbps=64",
      "--transcode.keyframe_interval_s=2", "--transcode.x264_preset=ultrafast",
      "--hls.segment_duration_s=2", "--hls.part_duration_s=0.5", "--hls.window_segments=5",
      "--signaling.heartbeat_timeout_s=7", "--signaling.resume_grace_s=8", "--signaling.max_message_bytes=1024",
      "--signaling.send_queue_messages=9", "--signaling.qna_history=10", "--signaling.question_max_chars=11",
      "--signaling.questions_per_minute=12", "--signaling.attendance_min_ratio=0.5",
      "--signaling.students_see_roster=true", "--signaling.messages_per_second=13",
      "--webhooks.url=http://127.0.0.1:1/h", "--webhooks.secret=w", "--webhooks.timeout_ms=500",
      "--webhooks.max_retries=2",
      "--data-dir=/d", "--demo"};
  Config want;
  want.log.level = "error";
  want.http = {"127.0.0.1", 1, "/w", 3};
  want.rtmp = {"127.0.0.2", 2, 2048, 3};
  want.srt = {"127.0.0.3", 3, 40};
  want.webrtc = {4, {"a", "b"}, 2, 5, 6};
  want.auth.secret = "k";
  want.ingest = {5, 6, 640, 480};
  want.transcode = {false, {{"q", 240, 300}}, 64, 2.0, "ultrafast"};
  want.hls = {2.0, 0.5, 5};
  want.signaling = {7, 8, 1024, 9, 10, 11, 12, 0.5, true, 13};
  want.webhooks = {"http://127.0.0.1:1/h", "w", 500, 2};
  want.data_dir = "/d";
  want.demo = true;
  Config got = loadConfig(args, {});
  EXPECT_EQ(got, want);
  // Each flag on its own changes the config, and there is one flag per key.
  for (const std::string& arg : args) EXPECT_NE(loadConfig({arg}, {}), Config{}) << arg;
  EXPECT_EQ(configKeyNames().size(), args.size());  // add a flag above when adding a key
}

TEST_F(ConfigTest, ErrorNamesKeyValueAndSource) {
  EXPECT_EQ(error({"--http.port", "abc"}),
            "config: [http] port: expected an integer 1..65535, got \"abc\" (from --http.port)");
  EXPECT_EQ(error({}, {"AIRCLASS_HTTP_PORT=70000"}),
            "config: [http] port: expected an integer 1..65535, got \"70000\" (from AIRCLASS_HTTP_PORT)");
  EXPECT_EQ(error({"--http.port=0"}), "config: [http] port: expected an integer 1..65535, got \"0\" (from --http.port)");
  EXPECT_EQ(error({"--http.port= 8080x"}).substr(0, 30), "config: [http] port: expected ");
}

TEST_F(ConfigTest, WrongTypeInFile) {
  std::string path = write("t.toml", "[http]\nport = \"8080\"\n");
  EXPECT_EQ(error({"--config", path}),
            "config: [http] port: expected an integer 1..65535, got \"8080\" (from " + path + ")");
  path = write("t2.toml", "[transcode]\npassthrough = \"yes\"\n");
  EXPECT_EQ(error({"--config", path}),
            "config: [transcode] passthrough: expected true or false, got \"yes\" (from " + path + ")");
  path = write("t3.toml", "[rtmp]\nhandshake_timeout_s = 1.5\n");
  EXPECT_NE(error({"--config", path}).find("[rtmp] handshake_timeout_s: expected an integer 1..3600, got 1.5"),
            std::string::npos);
  path = write("t4.toml", "[webrtc]\ncandidates = \"a,b\"\n");
  EXPECT_NE(error({"--config", path}).find("[webrtc] candidates: expected a list"), std::string::npos);
  path = write("t5.toml", "[transcode]\nladder = [{name = \"a\", height = 240}]\n");
  EXPECT_NE(error({"--config", path}).find("[transcode] ladder: expected a ladder"), std::string::npos);
}

TEST_F(ConfigTest, OutOfRange) {
  EXPECT_NE(error({"--hls.segment_duration_s=0"}).find("[hls] segment_duration_s: expected a number > 0"),
            std::string::npos);
  EXPECT_NE(error({"--hls.segment_duration_s=nan"}).find("[hls] segment_duration_s"), std::string::npos);
  EXPECT_NE(error({"--ingest.stall_timeout_s=0"}).find("[ingest] stall_timeout_s: expected an integer 1..3600"),
            std::string::npos);
  EXPECT_NE(error({"--signaling.attendance_min_ratio=1.5"}).find("[signaling] attendance_min_ratio"),
            std::string::npos);
  EXPECT_EQ(error({"--signaling.attendance_min_ratio=0"}), "ok");
  EXPECT_EQ(error({"--log.level=verbose"}),
            "config: [log] level: expected one of debug|info|warn|error, got \"verbose\" (from --log.level)");
  EXPECT_NE(error({"--http.host="}).find("[http] host: expected a non-empty string"), std::string::npos);
  EXPECT_NE(error({"--transcode.passthrough=maybe"}).find("expected true or false"), std::string::npos);
  EXPECT_NE(error({"--rtmp.max_message_bytes=-1"}).find("[rtmp] max_message_bytes"), std::string::npos);
  EXPECT_NE(error({"--webrtc.candidates=a,,b"}).find("[webrtc] candidates"), std::string::npos);
}

TEST_F(ConfigTest, BadLadders) {
  for (std::string bad : {"720p:720", "720p:720:2500:1", "720p:abc:2500", ":720:2500", "a b:720:2500",
                          "720p:721:2500", "720p:720:10", "a:240:300,a:480:600", "x:0:300",
                          "a:2:50,b:2:50,c:2:50,d:2:50,e:2:50,f:2:50,g:2:50,h:2:50,i:2:50", "720p:720:2500,"}) {
    std::string e = error({"--transcode.ladder", bad});
    EXPECT_EQ(e.rfind("config: [transcode] ladder: expected a ladder", 0), 0u) << bad << " -> " << e;
    EXPECT_NE(e.find("(from --transcode.ladder)"), std::string::npos) << e;
  }
}

TEST_F(ConfigTest, PartMustBeShorterThanSegment) {
  EXPECT_EQ(error({"--hls.part_duration_s=1"}),
            "config: [hls] part_duration_s (1, from --hls.part_duration_s) must be less than [hls] "
            "segment_duration_s (1, from default)");
  std::string e = error({}, {"AIRCLASS_HLS_SEGMENT_DURATION_S=0.2"});
  EXPECT_NE(e.find("segment_duration_s (0.2, from AIRCLASS_HLS_SEGMENT_DURATION_S)"), std::string::npos) << e;
}

TEST_F(ConfigTest, NothingToPlay) {
  std::string e = error({"--transcode.ladder=", "--transcode.passthrough=false"});
  EXPECT_NE(e.find("[transcode] ladder: empty (from --transcode.ladder)"), std::string::npos) << e;
}

TEST_F(ConfigTest, UnknownKeys) {
  std::string path = write("u.toml", "[http]\nprot = 1\n");
  EXPECT_EQ(error({"--config", path}), "config: [http] prot: unknown key (from " + path + ")");
  path = write("u2.toml", "[htp]\nport = 1\n");
  EXPECT_EQ(error({"--config", path}), "config: [htp]: unknown section (from " + path + ")");
  path = write("u3.toml", "port = 1\n");
  EXPECT_EQ(error({"--config", path}), "config: port: unknown key (from " + path + ")");
  EXPECT_EQ(error({}, {"AIRCLASS_HTTP_PROT=1"}), "config: [http] prot: unknown key (from AIRCLASS_HTTP_PROT)");
  EXPECT_EQ(error({}, {"AIRCLASS_VERBOSE=1"}), "config: AIRCLASS_VERBOSE: unknown setting");
  EXPECT_EQ(error({"--http.prot", "1"}), "config: [http] prot: unknown key (from --http.prot)");
  EXPECT_EQ(error({"--verbose"}), "config: unknown flag --verbose");
  EXPECT_EQ(error({"serve"}), "config: unexpected argument \"serve\"");
  EXPECT_EQ(error({"--http.port"}), "config: --http.port: missing value");
  EXPECT_EQ(error({"--data-dir"}), "config: --data-dir: missing value");
}

TEST_F(ConfigTest, BadFiles) {
  EXPECT_EQ(error({"--config", "missing.toml"}), "config: --config missing.toml: no such file");
  EXPECT_EQ(error({"--config"}), "config: --config: missing value");
  std::string path = write("bad.toml", "[http]\nport = = 1\n");
  std::string e = error({"--config", path});
  EXPECT_EQ(e.rfind("config: " + path + ":2:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid TOML"), std::string::npos) << e;
  path = write("dup.toml", "[http]\nport = 1\nport = 2\n");
  EXPECT_NE(error({"--config", path}).find("invalid TOML"), std::string::npos);
}

}  // namespace
}  // namespace airclass::common
