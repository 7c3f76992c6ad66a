// Counters of HTTP replies by status code, for /metrics. count() from the HTTP thread, render() from any thread.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace airclass::server {

class HttpMetrics {
 public:
  void count(int status);
  uint64_t total(int status) const;
  // Prometheus text: airclass_http_requests_total{code="200"} N, one line per code seen.
  std::string render() const;

 private:
  static constexpr int kMin = 100;
  static constexpr int kMax = 599;
  std::array<std::atomic<uint64_t>, kMax - kMin + 1> by_status_{};
};

}  // namespace airclass::server
