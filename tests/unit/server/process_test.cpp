// The real binary (AIRCLASS_BINARY): serves /healthz on free ports, exits 0 within 5 s of SIGTERM, and exits 2
// with the key named on a bad config; `airclass token` prints a token.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/server/http_test_client.hpp"

namespace airclass::server {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A port the kernel just handed out (closed again: a small race, fine on a test machine).
int freePort(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Child {
  pid_t pid = -1;
  fs::path out;  // stdout + stderr
};

Child spawn(const std::vector<std::string>& args, const fs::path& out) {
  Child c;
  c.out = out;
  c.pid = ::fork();
  if (c.pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    std::string binary = AIRCLASS_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::unsetenv("AIRCLASS_AUTH_SECRET");
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return c;
}

// The exit code, or -1 when it did not exit within `timeout`.
int waitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("airclass-process-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ProcessTest, ServesAndShutsDownOnSigterm) {
  const int http = freePort(SOCK_STREAM);
  const int rtmp = freePort(SOCK_STREAM);
  const int srt = freePort(SOCK_DGRAM);
  const int webrtc = freePort(SOCK_DGRAM);
  const fs::path data = dir_ / "data" / "nested";
  Child c = spawn({"serve", "--http.host", "127.0.0.1", "--http.port", std::to_string(http), "--rtmp.host",
                   "127.0.0.1", "--rtmp.port", std::to_string(rtmp), "--srt.host", "127.0.0.1", "--srt.port",
                   std::to_string(srt), "--webrtc.port", std::to_string(webrtc), "--auth.secret",
                   "process-test-secret", "--data-dir", data.string()},
                  dir_ / "out.log");
  ASSERT_GT(c.pid, 0);
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    std::this_thread::sleep_for(50ms);
    try {
      test::HttpTestClient client(http, 2s);
      status = client.request("GET", "/healthz").status;
    } catch (const std::exception&) {
    }
  }
  EXPECT_EQ(status, 200) << slurp(c.out);
  EXPECT_TRUE(fs::is_directory(data));
  {
    test::HttpTestClient client(http, 2s);
    int ready = 0;
    for (int i = 0; i < 100 && ready != 200; ++i) {  // HTTP is up first, media follows
      ready = client.request("GET", "/readyz").status;
      if (ready != 200) std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(ready, 200);
    EXPECT_EQ(client.request("GET", "/api/v1/rooms").body, R"({"rooms":[]})");
  }
  const auto t0 = std::chrono::steady_clock::now();
  ::kill(c.pid, SIGTERM);
  const int code = waitExit(c.pid, 5s);
  if (code < 0) {
    ::kill(c.pid, SIGKILL);
    waitExit(c.pid, 2s);
  }
  EXPECT_EQ(code, 0) << slurp(c.out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(ProcessTest, BadConfigExitsTwoNamingTheKey) {
  Child c = spawn({"serve", "--http.port", "not-a-port", "--data-dir", (dir_ / "d").string()}, dir_ / "bad.log");
  EXPECT_EQ(waitExit(c.pid, 5s), 2);
  const std::string out = slurp(c.out);
  EXPECT_NE(out.find("port"), std::string::npos) << out;
  EXPECT_NE(out.find("http"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;

  Child unknown = spawn({"serve", "--http.nope", "1"}, dir_ / "unknown.log");
  EXPECT_EQ(waitExit(unknown.pid, 5s), 2);
  EXPECT_NE(slurp(unknown.out).find("nope"), std::string::npos);

  Child nosecret = spawn({"serve", "--http.port", std::to_string(freePort(SOCK_STREAM)), "--data-dir", (dir_ / "d").string()}, dir_ / "nosecret.log");
  EXPECT_EQ(waitExit(nosecret.pid, 5s), 2);
  EXPECT_NE(slurp(nosecret.out).find("auth.secret"), std::string::npos);
}

TEST_F(ProcessTest, TokenCommand) {
  Child ok = spawn({"token", "--role", "student", "--room", "r1", "--user", "u1", "--ttl", "2h", "--auth.secret", "s"},
                   dir_ / "token.log");
  EXPECT_EQ(waitExit(ok.pid, 5s), 0);
  const std::string token = slurp(ok.out);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;

  Child nosecret = spawn({"token", "--role", "student", "--room", "r1", "--user", "u1"}, dir_ / "token2.log");
  EXPECT_EQ(waitExit(nosecret.pid, 5s), 2);
  EXPECT_NE(slurp(nosecret.out).find("auth.secret"), std::string::npos);

  Child badrole = spawn({"token", "--role", "king", "--room", "r1", "--user", "u1", "--auth.secret", "s"},
                        dir_ / "token3.log");
  EXPECT_EQ(waitExit(badrole.pid, 5s), 2);

  Child help = spawn({"--help"}, dir_ / "help.log");
  EXPECT_EQ(waitExit(help.pid, 5s), 0);
  EXPECT_NE(slurp(help.out).find("airclass serve"), std::string::npos);
}

}  // namespace
}  // namespace airclass::server
