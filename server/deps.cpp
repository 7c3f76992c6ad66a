#include "server/deps.hpp"

#include <gst/gst.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <string_view>

namespace airclass::server {
namespace {

void emitLws(int level, const char* line) {
  std::string_view text = line ? line : "";
  // lws lines start with a timestamp and level tag ("[2026/..] E: ") and end with a newline.
  if (const size_t tag = text.find("]: "); tag != std::string_view::npos && tag < 48) text.remove_prefix(tag + 3);
  else if (const size_t close = text.find("] "); close != std::string_view::npos && close < 48)
    text.remove_prefix(close + 2);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  common::log::Level out = common::log::Level::Debug;
  if (level & LLL_ERR) out = common::log::Level::Error;
  else if (level & LLL_WARN) out = common::log::Level::Warn;
  common::log::write(out, "server", "lws", text);
}

}  // namespace

void routeLwsLogs(common::log::Level level) {
  int mask = LLL_ERR | LLL_WARN;
  if (level == common::log::Level::Debug) mask |= LLL_NOTICE;
  lws_set_log_level(mask, &emitLws);
}

void initDependencies(common::log::Level level) {
  OPENSSL_init_ssl(0, nullptr);
  gst_init(nullptr, nullptr);
  routeLwsLogs(level);
}

}  // namespace airclass::server
