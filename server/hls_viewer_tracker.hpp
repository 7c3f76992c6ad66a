// Counts HLS players from their playlist requests: a request carrying `?vid=<id>` keeps that id present in
// its room until `expiry` passes without another one (2 target durations). Also counts HLS requests by type
// and status for /metrics. Bounded: at most `max_ids` ids at once; more are not tracked. HTTP thread only.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace airclass::server {

class HlsViewerTracker {
 public:
  enum class RequestType { Master, Playlist, Part, Segment, Init, Other };
  HlsViewerTracker(std::chrono::milliseconds expiry, size_t max_ids = 200'000);

  // One answered /hls request: its path, query and status; `now_ms` any monotonic ms clock.
  void onRequest(std::string_view path, std::string_view query, int status, int64_t now_ms);
  // The ids present per room (expired ones are dropped first).
  std::map<std::string, std::vector<std::string>> viewers(int64_t now_ms);

  static RequestType typeOf(std::string_view path);
  static std::string_view toString(RequestType type);
  // Requests answered, by type and status code.
  const std::map<std::pair<RequestType, int>, uint64_t>& requests() const { return requests_; }
  size_t tracked() const { return tracked_; }

 private:
  // vid -> last playlist request; ordered, so viewers() hands the ids out sorted without sorting them.
  using RoomIds = std::map<std::string, int64_t, std::less<>>;
  void expire(int64_t now_ms);
  void expire(RoomIds& ids, int64_t limit_ms);

  std::chrono::milliseconds expiry_;
  size_t max_ids_;
  std::map<std::string, RoomIds, std::less<>> rooms_;  // rooms with at least one id
  size_t tracked_ = 0;
  std::map<std::pair<RequestType, int>, uint64_t> requests_;
};

}  // namespace airclass::server
