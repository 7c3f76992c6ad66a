// The process's one place of global library set-up (GStreamer, libwebsockets logging, OpenSSL), called once
// from main before any thread starts. Main thread only.
#pragma once
#include "common/log.hpp"

namespace airclass::server {

// Initialises GStreamer and routes libwebsockets' logs through common/log at `level`.
void initDependencies(common::log::Level level);

// Routes libwebsockets' logs through common/log: errors and warnings always, notices at debug level.
// Part of initDependencies; tests that run an HttpServer call it alone.
void routeLwsLogs(common::log::Level level);

}  // namespace airclass::server
