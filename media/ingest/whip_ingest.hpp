// WHIP ingest (RFC 9725) on the media side: admits a browser (or OBS) publisher through the PublishGate and
// runs one WhipSession (a webrtcbin) per publisher, each a resource with a random id for DELETE and PATCH
// (trickle ICE). The HTTP side
// (server/whip_routes) hands requests over by posting to the media loop. Media loop only.
#pragma once
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "common/config.hpp"
#include "common/error.hpp"
#include "media/ingest/publication.hpp"
#include "media/ingest/trickle_fragment.hpp"

namespace airclass::media::ingest {

class WhipSession;

struct WhipAnswer {
  std::string id;   // the resource: /whip/<room>/<id>
  std::string sdp;  // the complete SDP answer
};
using WhipOutcome = std::variant<WhipAnswer, common::Error>;
enum class TrickleResult { Added, NoSession, IceRestart };

class WhipIngest {
 public:
  static constexpr size_t kMaxSessions = 64;  // WHIP publishers on one node, negotiating or live

  WhipIngest(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate);
  ~WhipIngest();  // stops every session
  WhipIngest(const WhipIngest&) = delete;
  WhipIngest& operator=(const WhipIngest&) = delete;

  // Checks the offer (WhipOffer), publishes into request.room through the gate (Unauthorized, Forbidden,
  // Conflict when the room has a publisher) and starts negotiating. `done` runs exactly once, on the loop,
  // possibly before start() returns, with the answer or the error.
  void start(const PublishRequest& request, const std::string& offer_sdp, std::function<void(WhipOutcome)> done);
  // Ends the session `id` of `room` (DELETE). False when there is none.
  bool stop(const std::string& room, const std::string& id);
  // Trickle ICE for the session `id` of `room` (PATCH): its candidates go to that session's ICE agent.
  // IceRestart: the fragment has other ICE credentials than the offer (not supported; nothing changes).
  // Throws common::Error(BadRequest) for a mid the offer does not have.
  TrickleResult trickle(const std::string& room, const std::string& id, const TrickleFragment& fragment);
  void stopAll();
  size_t sessions() const { return sessions_.size(); }

 private:
  struct Entry {
    std::string room;
    std::unique_ptr<WhipSession> session;
  };
  void erase(const std::string& id);

  boost::asio::io_context& loop_;
  const common::Config& config_;
  PublishGate& gate_;
  std::map<std::string, Entry> sessions_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // posted work checks it
};

}  // namespace airclass::media::ingest
