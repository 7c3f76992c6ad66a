#include "server/cli.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <iostream>
#include <thread>

#include "common/auth.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "server/app.hpp"
#include "server/deps.hpp"

namespace airclass::server {
namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  airclass serve [--config FILE] [--data-dir DIR] [--demo] [--section.key value ...]\n"
    "      Runs the server. Every [section] key of config/airclass.toml can be set with --section.key value\n"
    "      or the AIRCLASS_SECTION_KEY environment variable (e.g. --http.port 8080, AIRCLASS_HTTP_PORT).\n"
    "      --demo publishes a synthetic lesson in room \"demo\" (and makes a secret if none is set).\n"
    "  airclass token --role teacher|student|admin --room ROOM --user USER [--name NAME] [--ttl 2h]\n"
    "                 [--config FILE] [--section.key value ...]\n"
    "      Prints a JWT signed with [auth] secret (AIRCLASS_AUTH_SECRET).\n"
    "  airclass --help\n";

int usageError(const std::string& message) {
  std::cerr << "airclass: " << message << " (see airclass --help)\n";
  return 2;
}

int configError(const std::string& message) {
  std::cerr << "airclass: " << message << "\n";
  return 2;
}

// Ends the process once everything of ours is stopped and freed, without running library-global
// destructors: Debian 12's libsrt 1.5.1 can block forever in the destructor of its global event
// (srt::sync::g_Sync, pthread_cond_destroy) at exit() after a run with GStreamer pipelines. This also skips
// LeakSanitizer's exit-time check, which here would list only those library globals (libsrt's filter
// registry, GLib's per-process tables); our objects' leaks are checked in-process by the unit tests.
[[noreturn]] void leaveProcess(int code) {
  std::fflush(nullptr);
  _exit(code);
}

int serve(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  blockTerminationSignals();  // before any thread exists, so every thread inherits the mask
  common::Config config;
  try {
    config = common::loadConfig(args, env);
  } catch (const common::Error& e) {
    return configError(e.what());
  }
  common::log::Level level = common::log::Level::Info;
  if (common::log::parseLevel(config.log.level, level)) common::log::setLevel(level);
  initDependencies(level);

  auto app = std::make_unique<App>(std::move(config));
  try {
    app->start();
  } catch (const common::Error& e) {
    const int code = e.code() == common::ErrorCode::Config ? 2 : 1;
    common::log::error("server", "app", "cannot start", {{"error", e.what()}});
    std::cerr << "airclass: " << e.what() << "\n";
    app->stop();
    return code;
  }
  app->waitForSignal();
  // Last resort: a shutdown that hangs must not keep the process alive.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    common::log::error("server", "app", "shutdown took more than 5 s: exiting now");
    _exit(1);
  }).detach();
  app->stop();
  app.reset();
  leaveProcess(0);
}

int token(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  common::Claims claims;
  std::string role_text;
  std::string ttl_text = "2h";
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--role") ok = value(role_text);
    else if (arg == "--room") ok = value(claims.room);
    else if (arg == "--user") ok = value(claims.sub);
    else if (arg == "--name") ok = value(claims.name);
    else if (arg == "--ttl") ok = value(ttl_text);
    else rest.push_back(arg);
    if (!ok) return usageError(arg + ": missing value");
  }
  const auto role = common::parseRole(role_text);
  if (!role) return usageError("--role: must be teacher, student or admin");
  claims.role = *role;
  if (claims.sub.empty()) return usageError("--user: required");
  if (claims.room.empty() && claims.role != common::Role::Admin) return usageError("--room: required");
  if (claims.name.empty()) claims.name = claims.sub;
  const auto ttl = common::parseDuration(ttl_text);
  if (!ttl) return usageError("--ttl " + ttl_text + ": not a duration like 2h, 30m or 600");

  common::Config config;
  try {
    config = common::loadConfig(rest, env);
  } catch (const common::Error& e) {
    return configError(e.what());
  }
  if (config.auth.secret.empty()) {
    return configError("auth.secret: not set (use [auth] secret, AIRCLASS_AUTH_SECRET or --auth.secret)");
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  claims.exp = now + ttl->count();
  std::cout << common::mintToken(claims, config.auth.secret) << "\n";
  return 0;
}

}  // namespace

int runCli(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  if (args.empty()) return usageError("missing command");
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  for (const std::string& arg : rest) {
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  if (command == "serve") return serve(rest, env);
  if (command == "token") return token(rest, env);
  return usageError("unknown command " + command);
}

}  // namespace airclass::server
