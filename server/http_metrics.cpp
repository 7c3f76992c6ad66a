#include "server/http_metrics.hpp"

namespace airclass::server {

void HttpMetrics::count(int status) {
  if (status < kMin || status > kMax) status = 500;
  by_status_[static_cast<size_t>(status - kMin)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t HttpMetrics::total(int status) const {
  if (status < kMin || status > kMax) return 0;
  return by_status_[static_cast<size_t>(status - kMin)].load(std::memory_order_relaxed);
}

std::string HttpMetrics::render() const {
  std::string out =
      "# HELP airclass_http_requests_total HTTP requests answered, by status code.\n"
      "# TYPE airclass_http_requests_total counter\n";
  for (int code = kMin; code <= kMax; ++code) {
    const uint64_t n = total(code);
    if (n == 0) continue;
    out += "airclass_http_requests_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace airclass::server
