// Immutable settings, parsed once at start-up: built-in defaults, then the TOML file (config/airclass.toml), then
// AIRCLASS_SECTION_KEY env vars, then `--section.key value` flags (later wins). Read-only after load: any thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace airclass::common {

struct LadderRung {
  std::string name;  // rendition name in URLs, e.g. "720p"
  int height = 0;    // width follows the source aspect ratio (rounded to even)
  int video_kbps = 0;
  bool operator==(const LadderRung&) const = default;
};

struct Config {
  struct Log {
    std::string level = "info";  // debug | info | warn | error
    bool operator==(const Log&) const = default;
  } log;
  struct Http {
    std::string host = "0.0.0.0";
    int port = 8080;
    std::string web_root;  // empty: the web/ folder next to the source tree or the binary
    int max_connections_per_ip = 10000;
    bool operator==(const Http&) const = default;
  } http;
  struct Rtmp {
    std::string host = "0.0.0.0";
    int port = 1935;
    uint32_t max_message_bytes = 8 * 1024 * 1024;  // bound on one reassembled RTMP message
    int handshake_timeout_s = 10;
    bool operator==(const Rtmp&) const = default;
  } rtmp;
  struct Srt {
    std::string host = "0.0.0.0";
    int port = 9000;
    int latency_ms = 120;
    bool operator==(const Srt&) const = default;
  } srt;
  struct Webrtc {
    int port = 10000;
    std::vector<std::string> candidates;  // empty: every local address, loopback included
    int workers = 0;                      // fan-out worker threads; 0 = one per core
    int max_viewers = 20000;              // WHEP sessions on this node; more get Unavailable
    int consent_timeout_s = 10;           // a viewer silent this long (no STUN, no RTCP) is removed
    bool operator==(const Webrtc&) const = default;
  } webrtc;
  struct Auth {
    std::string secret;  // HS256 key; demo mode makes one when empty
    bool operator==(const Auth&) const = default;
  } auth;
  struct Ingest {
    int reconnect_grace_s = 30;  // a publisher back within this window resumes the same broadcast
    int stall_timeout_s = 10;    // a publisher that sends nothing this long is dropped
    int max_width = 3840;
    int max_height = 2160;
    bool operator==(const Ingest&) const = default;
  } ingest;
  struct Transcode {
    bool passthrough = true;  // offer the source as a rung when it is H.264
    std::vector<LadderRung> ladder{{"720p", 720, 2500}, {"480p", 480, 1000}, {"360p", 360, 600}};
    int audio_kbps = 96;
    double keyframe_interval_s = 1.0;
    std::string x264_preset = "veryfast";
    bool operator==(const Transcode&) const = default;
  } transcode;
  struct Hls {
    double segment_duration_s = 1.0;
    double part_duration_s = 0.333;
    int window_segments = 10;  // segments kept in a media playlist
    bool operator==(const Hls&) const = default;
  } hls;
  struct Signaling {
    int heartbeat_timeout_s = 30;
    int resume_grace_s = 60;
    int max_message_bytes = 16 * 1024;
    int send_queue_messages = 256;  // a client further behind than this is dropped
    int qna_history = 500;
    int question_max_chars = 500;
    int questions_per_minute = 5;
    double attendance_min_ratio = 0.8;
    bool students_see_roster = false;
    int messages_per_second = 20;  // per websocket connection, bursts up to twice that; excess dropped with an error
    bool operator==(const Signaling&) const = default;
  } signaling;
  struct Webhooks {
    std::string url;       // http://host[:port]/path that receives event POSTs; empty: no webhooks
    std::string secret;    // HMAC-SHA256 key of the X-AirClass-Signature header
    int timeout_ms = 3000;  // connect + send + answer, per attempt
    int max_retries = 5;    // after the first attempt, with exponential backoff
    bool operator==(const Webhooks&) const = default;
  } webhooks;

  std::string data_dir = "./data";
  bool demo = false;
  std::string config_path;  // the file that was read, for logs

  bool operator==(const Config&) const = default;
};

// Loads the config: `args` are the command-line words after `serve`; `env` is the process environment
// (envp-style "KEY=value" strings). Throws common::Error(ErrorCode::Config) naming the key on bad input.
Config loadConfig(const std::vector<std::string>& args, const std::vector<std::string>& env);

// Every settable key as "section.key" (top-level keys without a section: "data_dir", "demo"), in table order.
std::vector<std::string> configKeyNames();

}  // namespace airclass::common
