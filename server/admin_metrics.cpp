#include "server/admin_metrics.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/webhook_sender.hpp"

namespace airclass::server {
namespace {

// One metric family: HELP and TYPE once, then its samples.
class Family {
 public:
  Family(std::string& out, const char* name, const char* type, const char* help) : out_(out), name_(name) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // labels: "k1", v1, "k2", v2 ...
  Family& sample(std::initializer_list<std::pair<const char*, std::string_view>> labels, double value) {
    out_ += name_;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += escapeLabel(v);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    char buf[64];
    if (value == static_cast<double>(static_cast<int64_t>(value))) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    } else {
      std::snprintf(buf, sizeof buf, "%.6g", value);
    }
    out_ += buf;
    out_ += '\n';
    return *this;
  }

 private:
  std::string& out_;
  const char* name_;
};

}  // namespace

std::string escapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string renderAdminMetrics(const AdminMetricsInputs& in) {
  std::string out;
  if (in.signaling) {
    const auto& s = *in.signaling;
    Family viewers(out, "airclass_room_viewers", "gauge", "Students present in the room, counted once each.");
    double total = 0;
    for (const auto& r : s.rooms) {
      viewers.sample({{"room", r.room}}, r.viewers);
      total += r.viewers;
    }
    Family players(out, "airclass_room_players", "gauge", "Media players in the room by protocol.");
    for (const auto& r : s.rooms) {
      players.sample({{"room", r.room}, {"protocol", "webrtc"}}, r.webrtc);
      players.sample({{"room", r.room}, {"protocol", "hls"}}, r.hls);
    }
    Family members(out, "airclass_room_members", "gauge", "Signaling members of the room by role.");
    for (const auto& r : s.rooms) {
      members.sample({{"room", r.room}, {"role", "teacher"}}, r.counts.teachers);
      members.sample({{"room", r.room}, {"role", "student"}}, r.counts.students);
      members.sample({{"room", r.room}, {"role", "admin"}}, r.counts.admins);
    }
    Family(out, "airclass_viewers", "gauge", "Students present on this node (sum over rooms).").sample({}, total);
    Family(out, "airclass_signaling_joins_total", "counter", "Room joins and resumes.")
        .sample({}, static_cast<double>(s.joins));
    Family(out, "airclass_signaling_leaves_total", "counter", "Room leaves and disconnects.")
        .sample({}, static_cast<double>(s.leaves));
    Family(out, "airclass_ws_messages_total", "counter", "Websocket messages received and queued to send.")
        .sample({{"direction", "in"}}, static_cast<double>(s.ws_in))
        .sample({{"direction", "out"}}, static_cast<double>(s.ws_out));
  }
  if (in.rooms) {
    Family bitrate(out, "airclass_ingest_bitrate_kbps", "gauge", "The publisher's bitrate over the last seconds.");
    for (const auto& r : *in.rooms) bitrate.sample({{"room", r.room}, {"protocol", r.protocol}}, r.ingest_kbps);
    Family fps(out, "airclass_ingest_fps", "gauge", "The publisher's video frame rate over the last seconds.");
    for (const auto& r : *in.rooms) fps.sample({{"room", r.room}, {"protocol", r.protocol}}, r.ingest_fps);
    Family dropped(out, "airclass_ingest_dropped_frames_total", "counter", "Publisher frames the room could not use.");
    for (const auto& r : *in.rooms) dropped.sample({{"room", r.room}}, static_cast<double>(r.dropped_frames));
  }
  if (in.renditions) {
    Family rt(out, "airclass_rendition_realtime_factor", "gauge",
              "Media seconds packaged per wall second, per rendition (1 = the transcoder keeps up).");
    for (const auto& [key, h] : *in.renditions) rt.sample({{"room", key.first}, {"rendition", key.second}}, h.realtime);
    Family healthy(out, "airclass_rendition_healthy", "gauge", "1 while the rendition grows.");
    for (const auto& [key, h] : *in.renditions) {
      healthy.sample({{"room", key.first}, {"rendition", key.second}}, h.healthy ? 1 : 0);
    }
  }
  {
    struct Sums {
      double viewers = 0, packets = 0, bytes = 0, nacks = 0, plis = 0, loss = 0;
    };
    std::map<std::string, Sums> by_room;
    if (in.webrtc) {
      for (const auto& v : in.webrtc->viewers) {
        Sums& s = by_room[v.room];
        s.viewers += 1;
        s.packets += static_cast<double>(v.packets_sent);
        s.bytes += static_cast<double>(v.bytes_sent);
        s.nacks += static_cast<double>(v.nacks);
        s.plis += static_cast<double>(v.plis);
        s.loss += v.loss;
      }
    }
    Family viewers(out, "airclass_webrtc_viewers", "gauge", "WebRTC sessions in the room.");
    for (const auto& [room, s] : by_room) viewers.sample({{"room", room}}, s.viewers);
    Family packets(out, "airclass_webrtc_packets_sent_total", "counter", "RTP packets sent to the room's viewers.");
    for (const auto& [room, s] : by_room) packets.sample({{"room", room}}, s.packets);
    Family bytes(out, "airclass_webrtc_bytes_sent_total", "counter", "Bytes sent to the room's WebRTC viewers.");
    for (const auto& [room, s] : by_room) bytes.sample({{"room", room}}, s.bytes);
    Family nacks(out, "airclass_webrtc_nacks_total", "counter", "NACKed packets reported by the room's viewers.");
    for (const auto& [room, s] : by_room) nacks.sample({{"room", room}}, s.nacks);
    Family plis(out, "airclass_webrtc_plis_total", "counter", "PLI and FIR requests from the room's viewers.");
    for (const auto& [room, s] : by_room) plis.sample({{"room", room}}, s.plis);
    Family loss(out, "airclass_webrtc_loss_ratio", "gauge", "Mean fraction lost reported by the room's viewers.");
    for (const auto& [room, s] : by_room) loss.sample({{"room", room}}, s.viewers > 0 ? s.loss / s.viewers : 0);
  }
  if (in.hls) {
    Family requests(out, "airclass_hls_requests_total", "counter", "HLS requests answered, by type and status.");
    for (const auto& [key, n] : in.hls->requests()) {
      const std::string code = std::to_string(key.second);
      requests.sample({{"type", HlsViewerTracker::toString(key.first)}, {"code", code}}, static_cast<double>(n));
    }
  }
  if (in.webhooks) {
    Family(out, "airclass_webhooks_total", "counter", "Webhook events by outcome.")
        .sample({{"result", "delivered"}}, static_cast<double>(in.webhooks->delivered()))
        .sample({{"result", "failed"}}, static_cast<double>(in.webhooks->failed()))
        .sample({{"result", "dropped"}}, static_cast<double>(in.webhooks->dropped()));
  }
  return out;
}

std::string renderProcessMetrics() {
  std::string out;
  // /proc/self/stat: utime and stime (fields 14 and 15) in clock ticks, after the parenthesised name.
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  const size_t close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 13; ++i) fields >> skip;
    fields >> utime >> stime;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    Family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.")
        .sample({}, static_cast<double>(utime + stime) / ticks);
  }
  std::ifstream statm("/proc/self/statm");
  unsigned long long pages_total = 0, pages_resident = 0;
  if (statm >> pages_total >> pages_resident) {
    Family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        .sample({}, static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  Family(out, "process_open_fds", "gauge", "Number of open file descriptors.").sample({}, static_cast<double>(fds));
  return out;
}

}  // namespace airclass::server
