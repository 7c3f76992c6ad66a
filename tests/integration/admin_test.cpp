// The admin backend against the real binary (--demo: a live room "demo"): a signaling student, an HLS player
// with a viewer id and the same student's HLS player are counted once each in GET /api/v1/stats, in the
// websocket `stats` events and in /metrics (parsed with python3-prometheus-client's parser); webhooks reach a
// receiver here with a valid signature, retried after a 500; an admin ends the broadcast (session_ended with
// its attendance); non-admins get 403 on every admin route.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <utility>  // before Boost 1.74's Asio, which uses std::exchange without it

// Beast trips GCC 12's flow-based -Wmaybe-uninitialized: a false positive in Boost.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "tests/integration/server_process.hpp"
#include "tests/unit/server/scripted_http_receiver.hpp"

namespace airclass::test {
namespace {

using json = nlohmann::json;

// A blocking websocket client with a receive timeout (SO_RCVTIMEO), enough for these checks.
class Ws {
 public:
  Ws(int port, const std::string& token) : ws_(ioc_) {
    namespace net = boost::asio;
    ws_.next_layer().connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    timeval tv{10, 0};
    ::setsockopt(ws_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ws_.set_option(boost::beast::websocket::stream_base::decorator([token](auto& req) {
      req.set(boost::beast::http::field::authorization, "Bearer " + token);
    }));
    ws_.handshake("127.0.0.1", "/ws");
  }
  void send(json j) {
    j["v"] = 1;
    if (!j.contains("id")) j["id"] = std::to_string(++id_);
    ws_.text(true);
    ws_.write(boost::asio::buffer(j.dump()));
  }
  // The next message of `type`; null on timeout or close.
  json next(const std::string& type) {
    for (int i = 0; i < 200; ++i) {
      boost::beast::flat_buffer buffer;
      boost::beast::error_code ec;
      ws_.read(buffer, ec);
      if (ec) return nullptr;
      json j = json::parse(boost::beast::buffers_to_string(buffer.data()), nullptr, false);
      if (j.is_object() && j.value("type", "") == type) return j;
    }
    return nullptr;
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  int id_ = 0;
};


std::string header(const std::string& headers, const std::string& name) {
  const size_t at = headers.find(name + ": ");
  if (at == std::string::npos) return {};
  const size_t start = at + name.size() + 2;
  return headers.substr(start, headers.find("\r\n", start) - start);
}

std::string hmacHex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", mac[i]);
    out += hex;
  }
  return out;
}

HttpResult http(const std::string& method, const std::string& url, const std::string& token,
                const std::string& body = "") {
  TempDir tmp;
  const auto out = tmp.path() / "body";
  std::string cmd = "curl -s -o " + shellQuote(out.string()) + " -w '%{http_code}' --max-time 5 -X " + method +
                    " -H " + shellQuote("Authorization: Bearer " + token);
  if (!body.empty()) cmd += " -H 'Content-Type: application/json' --data " + shellQuote(body);
  HttpResult r;
  r.status = std::atoi(run(cmd + " " + shellQuote(url) + " 2>/dev/null").c_str());
  r.body = readFile(out);
  return r;
}

// /metrics through the reference parser: {"name{label=value,...}": value} (labels sorted by the parser).
json parsePrometheus(const std::string& text) {
  TempDir tmp;
  const auto in = tmp.path() / "metrics.txt";
  std::ofstream(in) << text;
  int rc = 0;
  const std::string out = run(
      "/usr/bin/python3 -c " +  // Debian's, with python3-prometheus-client
          shellQuote("import json,sys\n"
                     "from prometheus_client.parser import text_string_to_metric_families\n"
                     "out = {}\n"
                     "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
                     "  for s in f.samples:\n"
                     "    out[s.name + '{' + ','.join(k + '=' + v for k, v in sorted(s.labels.items())) + '}'] = s.value\n"
                     "print(json.dumps(out))\n") +
          " " + shellQuote(in.string()) + " 2>&1",
      &rc);
  EXPECT_EQ(rc, 0) << out;
  return json::parse(out, nullptr, false);
}

TEST(AdminBackend, CountsActionsMetricsAndWebhooks) {
  test::ScriptedHttpReceiver hooks({500});  // 500 to the first webhook, 200 after
  const std::string hook_secret = "hook-secret";
  ServerOptions options;
  options.demo = true;
  options.args = {"--webhooks.url", "http://127.0.0.1:" + std::to_string(hooks.port()) + "/airclass",
                  "--webhooks.secret", hook_secret, "--webhooks.timeout_ms", "2000"};
  ServerProcess server(options);
  ASSERT_TRUE(server.healthy()) << server.log();
  const std::string admin = server.token("admin", "", "root");
  const std::string student = server.token("student", "demo", "s1");

  // The demo broadcast's webhook: a 500 first, then the retry is delivered; both signed.
  ASSERT_TRUE(eventually([&] { return hooks.requests().size() >= 2; }, 20s)) << server.log();
  for (const auto& r : hooks.requests()) {
    EXPECT_EQ(header(r.headers, "X-AirClass-Signature"), "sha256=" + hmacHex(hook_secret, r.body));
  }
  EXPECT_EQ(hooks.requests()[0].status, 500);
  EXPECT_EQ(hooks.requests()[0].body, hooks.requests()[1].body);  // the retry
  EXPECT_EQ(json::parse(hooks.requests()[1].body)["event"], "broadcast_started");
  EXPECT_EQ(json::parse(hooks.requests()[1].body)["room"], "demo");

  // Audience: s1 over signaling and over HLS (same id), a VLC-like player "vlc-1" over HLS only.
  Ws s1(server.httpPort(), student);
  s1.send({{"type", "join"}, {"room", "demo"}});
  ASSERT_FALSE(s1.next("joined").is_null());
  Ws watcher(server.httpPort(), admin);
  watcher.send({{"type", "subscribe_stats"}});
  const json snapshot = watcher.next("stats");
  ASSERT_FALSE(snapshot.is_null());
  EXPECT_EQ(snapshot["full"], true);
  std::atomic<bool> playing{true};
  std::thread players([&] {  // players poll their playlists, as they do
    while (playing) {
      httpGet(server.url("/hls/demo/index.m3u8?vid=vlc-1"), 2.0);
      httpGet(server.url("/hls/demo/index.m3u8?vid=s1"), 2.0);
      std::this_thread::sleep_for(300ms);
    }
  });
  json stats;
  EXPECT_TRUE(eventually(
      [&] {
        stats = json::parse(http("GET", server.url("/api/v1/stats"), admin).body, nullptr, false);
        // (The ingest meter reports whole seconds, refreshed once a second: it can trail the counts.)
        return stats.is_object() && !stats["rooms"].empty() && stats["rooms"][0]["viewers"] == 2 &&
               stats["rooms"][0]["players"]["hls"] == 2 && stats["rooms"][0]["ingest"]["bitrate_kbps"] > 0;
      },
      15s))
      << stats.dump();
  const json demo = stats["rooms"][0];
  EXPECT_EQ(demo["room"], "demo");
  EXPECT_EQ(demo["live"], true);
  EXPECT_EQ(demo["counts"]["student"], 1);
  EXPECT_GE(demo["peak"].get<int>(), 2);
  EXPECT_GT(demo["ingest"]["bitrate_kbps"].get<int>(), 0);
  EXPECT_FALSE(demo["renditions"].empty());
  EXPECT_EQ(stats["totals"]["viewers"], 2);

  // The websocket: a `stats` event every second; merged deltas reach the same numbers.
  json merged = snapshot["rooms"].empty() ? json::object() : snapshot["rooms"][0];
  int events = 0;
  // (Until both numbers arrived: the snapshot predates the players, and a delta carries what changed that
  // second, so viewers can reach 2 a tick before the HLS count does.)
  const auto settled = [&] {
    return merged.value("viewers", 0) == 2 && merged.contains("players") && merged["players"].value("hls", 0) == 2;
  };
  for (int i = 0; i < 20 && !(settled() && events >= 2); ++i) {
    const json e = watcher.next("stats");
    ASSERT_FALSE(e.is_null());
    EXPECT_EQ(e["full"], false);
    ++events;
    for (const auto& r : e["rooms"]) {
      if (r["room"] == "demo") merged.update(r);
    }
  }
  EXPECT_EQ(merged["viewers"], 2);
  EXPECT_EQ(merged["players"]["hls"], 2);

  // /metrics parses with the reference parser and agrees.
  const auto metrics = parsePrometheus(httpGet(server.url("/metrics")).body);
  ASSERT_TRUE(metrics.is_object());
  EXPECT_EQ(metrics.value("airclass_room_viewers{room=demo}", -1.0), 2.0);
  EXPECT_EQ(metrics.value("airclass_room_players{protocol=hls,room=demo}", -1.0), 2.0);
  EXPECT_EQ(metrics.value("airclass_room_members{role=student,room=demo}", -1.0), 1.0);
  EXPECT_EQ(metrics.value("airclass_rooms_live{}", -1.0), 1.0);
  EXPECT_GT(metrics.value("airclass_ingest_bitrate_kbps{protocol=demo,room=demo}", 0.0), 0.0);
  EXPECT_GT(metrics.value("airclass_hls_requests_total{code=200,type=master}", 0.0), 0.0);
  EXPECT_GT(metrics.value("airclass_ws_messages_total{direction=in}", 0.0), 0.0);
  EXPECT_GT(metrics.value("process_resident_memory_bytes{}", 0.0), 0.0);
  EXPECT_GE(metrics.value("airclass_webhooks_total{result=delivered}", 0.0), 1.0);

  // Non-admins: 403 on every admin route.
  for (const std::string& who : {student, server.token("teacher", "demo", "t1")}) {
    EXPECT_EQ(http("GET", server.url("/api/v1/stats"), who).status, 403);
    EXPECT_EQ(http("GET", server.url("/api/v1/stats/history?range=1h"), who).status, 403);
    EXPECT_EQ(http("GET", server.url("/api/v1/audit"), who).status, 403);
    EXPECT_EQ(http("POST", server.url("/api/v1/rooms/demo/end"), who).status, 403);
    EXPECT_EQ(http("POST", server.url("/api/v1/rooms/demo/kick"), who, R"({"user":"s1"})").status, 403);
    EXPECT_EQ(http("POST", server.url("/api/v1/rooms/demo/qna"), who, R"({"open":false})").status, 403);
  }
  EXPECT_EQ(http("POST", server.url("/api/v1/rooms/nope/end"), admin).status, 404);

  // An admin ends the broadcast: playlists end, webhooks broadcast_stopped and session_ended (attendance).
  ASSERT_EQ(http("POST", server.url("/api/v1/rooms/demo/end"), admin).status, 200);
  EXPECT_FALSE(s1.next("broadcast_stopped").is_null());
  playing = false;
  players.join();
  EXPECT_TRUE(eventually([&] { return httpGet(server.url("/hls/demo/720p/index.m3u8")).body.find("#EXT-X-ENDLIST") !=
                                      std::string::npos; },
                         10s));
  json ended;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& r : hooks.requests()) {
          json j = json::parse(r.body, nullptr, false);
          if (j.is_object() && j["event"] == "session_ended") ended = j;
        }
        return !ended.is_null();
      },
      10s));
  EXPECT_EQ(ended["room"], "demo");
  EXPECT_EQ(ended["attendance"]["students"], 1);
  EXPECT_EQ(ended["attendance"]["list"][0]["user"], "s1");
  const json audit = json::parse(http("GET", server.url("/api/v1/audit"), admin).body);
  ASSERT_FALSE(audit["entries"].empty());
  EXPECT_EQ(audit["entries"][0]["action"], "end_broadcast");
  EXPECT_EQ(audit["entries"][0]["actor"], "root");
}

}  // namespace
}  // namespace airclass::test
