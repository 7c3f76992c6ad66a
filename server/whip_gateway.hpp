// Carries WHIP requests from the HTTP thread to the media loop's WhipIngest and their outcomes back: the route
// parks its request, the media loop stores the outcome here and wakes the HTTP server, the route (called again)
// takes it. An outcome nobody takes (the client left, the deadline passed) is dropped and its session stopped.
// begin(), beginStop(), beginTrickle(), poll() and abandon(): any thread (the HTTP thread); setIngest(): the
// media loop.
#pragma once
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "common/error.hpp"
#include "media/ingest/publication.hpp"
#include "media/ingest/whip_ingest.hpp"

namespace airclass::server {

class WhipGateway {
 public:
  static constexpr size_t kMaxPending = 64;  // requests waiting for the media loop; more is 503
  static constexpr std::chrono::seconds kForgetAfter{60};

  // The answer, the error, (DELETE) whether the session existed, or (PATCH) what became of the candidates.
  using Outcome = std::variant<media::ingest::WhipAnswer, common::Error, bool, media::ingest::TrickleResult>;
  enum class State { Unknown, Pending, Ready };

  // `wake` (any thread) makes the HTTP server retry its parked requests.
  WhipGateway(boost::asio::io_context& media_loop, std::function<void()> wake);

  // Media loop: the ingest requests go to (null: none, requests fail with 503).
  void setIngest(media::ingest::WhipIngest* ingest);

  // Start a publish / a stop for the parked request `request_id`. Throws common::Error(Unavailable) when too
  // many requests are waiting.
  void begin(uint64_t request_id, media::ingest::PublishRequest request, std::string offer_sdp);
  void beginStop(uint64_t request_id, std::string room, std::string resource_id);
  void beginTrickle(uint64_t request_id, std::string room, std::string resource_id,
                    media::ingest::TrickleFragment fragment);
  // Unknown: no such request; Pending: not answered yet; Ready: `out` has the outcome (taken).
  State poll(uint64_t request_id, std::optional<Outcome>& out);
  // The request gives up waiting: its outcome, when it comes, is dropped (a session is stopped).
  void abandon(uint64_t request_id);

 private:
  struct Pending {
    std::optional<Outcome> outcome;
    std::chrono::steady_clock::time_point since;
  };
  void add(uint64_t request_id);
  void finish(uint64_t request_id, const std::string& room, Outcome outcome);  // media loop

  boost::asio::io_context& media_loop_;
  std::function<void()> wake_;
  media::ingest::WhipIngest* ingest_ = nullptr;  // media loop only
  std::mutex mutex_;
  std::map<uint64_t, Pending> pending_;  // guarded by mutex_
};

}  // namespace airclass::server
