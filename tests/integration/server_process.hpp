// Integration-test harness: runs the airclass binary (and clients such as ffmpeg) as child processes on free
// loopback ports with a temporary data dir and secret, plus tiny HTTP (curl) and ffprobe helpers.
// Test thread only. Every child is killed when its owner goes out of scope, so a failing test leaves none.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace airclass::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string tail(const std::string& text, size_t max_chars = 4000) {
  return text.size() <= max_chars ? text : text.substr(text.size() - max_chars);
}

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "airclass-it-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// RAII file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

inline bool bindLoopback(int fd, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// `count` distinct loopback ports, each free for TCP and UDP at once (SRT and WebRTC are UDP; WebRTC also uses
// ICE-TCP on the same number). Found by binding port 0; the probes stay open until all are found.
inline std::vector<int> freePorts(size_t count) {
  std::vector<std::unique_ptr<Fd>> held;
  std::vector<int> ports;
  for (int attempt = 0; ports.size() < count && attempt < 200; ++attempt) {
    auto tcp = std::make_unique<Fd>(::socket(AF_INET, SOCK_STREAM, 0));
    if (tcp->get() < 0 || !bindLoopback(tcp->get(), 0)) continue;
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(tcp->get(), reinterpret_cast<sockaddr*>(&addr), &len);
    const uint16_t port = ntohs(addr.sin_port);
    auto udp = std::make_unique<Fd>(::socket(AF_INET, SOCK_DGRAM, 0));
    held.push_back(std::move(tcp));
    if (udp->get() < 0 || !bindLoopback(udp->get(), port)) continue;
    held.push_back(std::move(udp));
    ports.push_back(port);
  }
  if (ports.size() < count) throw std::runtime_error("freePorts: not enough free ports");
  return ports;
}

// A child process with stdout and stderr sent to a log file. Killed (SIGKILL) on destruction if still running.
class Process {
 public:
  Process(std::vector<std::string> argv, fs::path log_path) : argv_(std::move(argv)), log_path_(std::move(log_path)) {
    std::vector<char*> cargv;
    for (auto& a : argv_) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group, so killing it takes any helper children too
      const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
      ::execvp(cargv[0], cargv.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (running()) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      wait(5s);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const fs::path& logPath() const { return log_path_; }
  std::string log() const { return readFile(log_path_); }

  bool running() {
    poll();
    return !status_.has_value();
  }
  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }
  // Waits up to `timeout` for the exit; returns the raw wait status, or nullopt if still running.
  std::optional<int> wait(Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (running() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    return status_;
  }
  // Exit code when it exited normally; -signal when killed by a signal; nullopt while running.
  std::optional<int> exitCode() {
    poll();
    if (!status_) return std::nullopt;
    if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
    return -WTERMSIG(*status_);
  }

 private:
  void poll() {
    if (status_ || pid_ <= 0) return;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
  }

  std::vector<std::string> argv_;
  fs::path log_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a shell command and returns its stdout (stderr is discarded unless the command redirects it).
inline std::string run(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::array<char, 8192> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int st = ::pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

inline std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
  double seconds = 0;  // time to the full answer
};

// GET with curl; body may be binary.
inline HttpResult httpGet(const std::string& url, double timeout_s = 5.0) {
  TempDir tmp;
  const auto body_path = tmp.path() / "body";
  const auto started = Clock::now();
  const std::string cmd = "curl -s -o " + shellQuote(body_path.string()) + " -w '%{http_code}' --max-time " +
                          std::to_string(timeout_s) + " " + shellQuote(url) + " 2>/dev/null";
  const std::string code = run(cmd);
  HttpResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  r.status = std::atoi(code.c_str());
  r.body = readFile(body_path);
  return r;
}

// Polls `fn` every `interval` until it returns true or `timeout` passes.
inline bool eventually(const std::function<bool()>& fn, Clock::duration timeout, Clock::duration interval = 250ms) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(interval);
  }
  return fn();
}

inline std::string randomHex(size_t bytes) {
  std::random_device rd;
  std::string s;
  static const char* digits = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    const unsigned v = rd() & 0xffU;
    s += digits[v >> 4];
    s += digits[v & 0xfU];
  }
  return s;
}

struct ServerOptions {
  bool demo = false;
  std::vector<std::string> args;  // extra `--section.key value` flags
  fs::path data_dir;              // empty: a fresh one; else reuse it (a restart on the same data)
  std::string secret;             // empty: a random one
};

// The airclass binary on free loopback ports with a temporary data dir and a random secret.
class ServerProcess {
 public:
  explicit ServerProcess(const ServerOptions& options = ServerOptions())
      : secret_(options.secret.empty() ? randomHex(32) : options.secret), data_dir_(options.data_dir) {
    const auto ports = freePorts(4);
    http_port_ = ports[0];
    rtmp_port_ = ports[1];
    srt_port_ = ports[2];
    webrtc_port_ = ports[3];
    fs::create_directories(dataDir());
    std::vector<std::string> argv{AIRCLASS_BINARY, "serve"};
    if (options.demo) argv.emplace_back("--demo");
    const std::vector<std::string> flags{
        "--data-dir", dataDir().string(),
        "--http.host", "127.0.0.1", "--http.port", std::to_string(http_port_),
        "--rtmp.host", "127.0.0.1", "--rtmp.port", std::to_string(rtmp_port_),
        "--srt.host", "127.0.0.1", "--srt.port", std::to_string(srt_port_),
        "--webrtc.port", std::to_string(webrtc_port_),
        "--http.web_root", std::string(AIRCLASS_SOURCE_DIR) + "/web",
        "--auth.secret", secret_};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    process_ = std::make_unique<Process>(argv, tmp_.path() / "server.log");
    healthy_ = eventually([this] { return !process_->running() || health() == 200; }, 20s, 100ms) &&
               process_->running();
  }
  // Stops it with SIGTERM and expects a clean exit (0) within 5 s; the Process destructor kills it otherwise.
  ~ServerProcess() {
    if (!process_->running() && stopped_) return;
    const auto code = stop(5s);
    EXPECT_EQ(code, std::optional<int>(0)) << "server did not exit 0 within 5 s of SIGTERM; log tail:\n" << log();
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // True once /healthz answered 200 after start-up.
  bool healthy() const { return healthy_; }
  int health() const { return httpGet(url("/healthz"), 2.0).status; }
  bool running() { return process_->running(); }

  // SIGKILL (a crash): nothing is flushed or closed.
  void kill() {
    stopped_ = true;
    process_->signal(SIGKILL);
    process_->wait(5s);
  }

  // SIGTERM, then the exit code if it exited within `timeout` (nullopt if not; it is killed later).
  std::optional<int> stop(Clock::duration timeout = 5s) {
    stopped_ = true;
    process_->signal(SIGTERM);
    process_->wait(timeout);
    return process_->exitCode();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(http_port_) + path; }
  std::string rtmpUrl(const std::string& room, const std::string& token) const {
    return "rtmp://127.0.0.1:" + std::to_string(rtmp_port_) + "/live/" + room + "?token=" + token;
  }
  // SRT access-control stream id (DESIGN.md), as ffmpeg's srt:// URL takes it.
  std::string srtUrl(const std::string& room, const std::string& token) const {
    return "srt://127.0.0.1:" + std::to_string(srt_port_) + "?streamid=#!::r=" + room + ",m=publish,s=" + token;
  }

  // Mints a token with `airclass token`, reading the same secret.
  std::string token(const std::string& role, const std::string& room, const std::string& user,
                    const std::string& ttl = "2h") const {
    int rc = 0;
    std::string out = run(shellQuote(AIRCLASS_BINARY) + " token --role " + shellQuote(role) + " --room " +
                          shellQuote(room) + " --user " + shellQuote(user) + " --ttl " + shellQuote(ttl) +
                          " --auth.secret " + shellQuote(secret_) + " 2>/dev/null", &rc);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    if (rc != 0 || out.empty()) throw std::runtime_error("airclass token failed (exit " + std::to_string(rc) + ")");
    return out;
  }

  const std::string& secret() const { return secret_; }
  int httpPort() const { return http_port_; }
  int rtmpPort() const { return rtmp_port_; }
  int srtPort() const { return srt_port_; }
  fs::path dataDir() const { return data_dir_.empty() ? tmp_.path() / "data" : data_dir_; }
  const fs::path& scratch() const { return tmp_.path(); }
  std::string log() const { return tail(process_->log()); }

 private:
  TempDir tmp_;
  std::string secret_;
  fs::path data_dir_;
  int http_port_ = 0, rtmp_port_ = 0, srt_port_ = 0, webrtc_port_ = 0;
  std::unique_ptr<Process> process_;
  bool healthy_ = false;
  bool stopped_ = false;
};

// ffmpeg publishing a synthetic lesson (testsrc2 + sine, libx264 with a keyframe every second, AAC).
struct PublishOptions {
  std::string size = "1280x720";
  int fps = 30;
  double seconds = 12;
  std::string video_codec = "libx264";
};

inline std::vector<std::string> ffmpegPublishArgs(const PublishOptions& o, const std::string& format,
                                                  const std::string& url) {
  std::vector<std::string> a{"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                             "-f", "lavfi", "-i", "testsrc2=size=" + o.size + ":rate=" + std::to_string(o.fps),
                             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                             "-t", std::to_string(o.seconds), "-c:v", o.video_codec};
  if (o.video_codec == "libx264") {
    a.insert(a.end(), {"-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g",
                       std::to_string(o.fps), "-keyint_min", std::to_string(o.fps), "-sc_threshold", "0"});
  }
  a.insert(a.end(), {"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-f", format, url});
  return a;
}

inline std::unique_ptr<Process> publishRtmp(const ServerProcess& server, const std::string& room,
                                            const std::string& token, const PublishOptions& o,
                                            const std::string& log_name = "ffmpeg-rtmp.log") {
  return std::make_unique<Process>(ffmpegPublishArgs(o, "flv", server.rtmpUrl(room, token)),
                                   server.scratch() / log_name);
}

inline std::unique_ptr<Process> publishSrt(const ServerProcess& server, const std::string& room,
                                           const std::string& token, const PublishOptions& o,
                                           const std::string& log_name = "ffmpeg-srt.log") {
  return std::make_unique<Process>(ffmpegPublishArgs(o, "mpegts", server.srtUrl(room, token)),
                                   server.scratch() / log_name);
}

}  // namespace airclass::test
