// The admin and operations part of /metrics in Prometheus text format (0.0.4): rooms, viewers by room and
// protocol, signaling joins/leaves and websocket messages, ingest and rendition health, WebRTC counters, HLS
// requests by type and status, webhook deliveries and the process's CPU, memory and fds. Every sample of a
// family is grouped under one HELP/TYPE. Pure rendering from the inputs (plus /proc/self for the process):
// any thread (the HTTP thread in practice).
#pragma once
#include <map>
#include <string>
#include <utility>

#include "media/media_service.hpp"
#include "media/webrtc/fanout.hpp"
#include "server/hls_viewer_tracker.hpp"
#include "server/rendition_monitor.hpp"
#include "signaling/signaling_service.hpp"

namespace airclass::server {

class WebhookSender;

struct AdminMetricsInputs {
  const media::RoomList* rooms = nullptr;
  const signaling::SignalingService::Metrics* signaling = nullptr;
  const HlsViewerTracker* hls = nullptr;
  const std::map<std::pair<std::string, std::string>, RenditionMonitor::Health>* renditions = nullptr;
  const media::webrtc::FanoutSnapshot* webrtc = nullptr;
  const WebhookSender* webhooks = nullptr;
};

std::string renderAdminMetrics(const AdminMetricsInputs& in);
// process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds (Linux /proc/self).
std::string renderProcessMetrics();
// A label value escaped for the text format (backslash, double quote, newline).
std::string escapeLabel(std::string_view value);

}  // namespace airclass::server
