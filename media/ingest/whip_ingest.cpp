#include "media/ingest/whip_ingest.hpp"

#include <boost/asio/post.hpp>

#include "common/auth.hpp"
#include "common/log.hpp"
#include "media/ingest/whip_offer.hpp"
#include "media/ingest/whip_session.hpp"

namespace airclass::media::ingest {

WhipIngest::WhipIngest(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate)
    : loop_(loop), config_(config), gate_(gate) {}

WhipIngest::~WhipIngest() { stopAll(); }

void WhipIngest::start(const PublishRequest& request, const std::string& offer_sdp,
                       std::function<void(WhipOutcome)> done) {
  std::string id;
  try {
    WhipOffer offer = WhipOffer::check(offer_sdp);
    if (sessions_.size() >= kMaxSessions) {
      throw common::Error(common::ErrorCode::Unavailable, "whip: too many publishers on this node");
    }
    auto publication = gate_.publish(request);
    id = common::randomSecret(16);
    auto session = std::make_unique<WhipSession>(loop_, config_, request.room, std::move(publication), offer);
    WhipSession& s = *session;
    sessions_[id] = Entry{request.room, std::move(session)};
    s.start(
        offer_sdp,
        [done, id](std::variant<std::string, common::Error> answer) {
          if (auto* sdp = std::get_if<std::string>(&answer)) {
            done(WhipAnswer{id, std::move(*sdp)});
          } else {
            done(std::get<common::Error>(answer));
          }
        },
        [this, id, alive = std::weak_ptr<bool>(alive_)] {
          // Never destroy a session inside its own callback: erase it on the next turn of the loop.
          boost::asio::post(loop_, [this, id, alive] {
            if (alive.lock()) erase(id);
          });
        });
  } catch (const common::Error& e) {
    if (!id.empty()) sessions_.erase(id);
    common::log::warn("media", "whip", "publish refused",
                      {{"room", request.room}, {"peer", request.peer}, {"error", e.what()}});
    done(e);
  }
}

bool WhipIngest::stop(const std::string& room, const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.room != room) return false;
  auto session = std::move(it->second.session);
  sessions_.erase(it);
  session->stop();
  common::log::info("media", "whip", "publisher stopped (DELETE)", {{"room", room}});
  return true;
}

TrickleResult WhipIngest::trickle(const std::string& room, const std::string& id, const TrickleFragment& fragment) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.room != room) return TrickleResult::NoSession;
  if (!it->second.session->trickle(fragment)) {
    common::log::warn("media", "whip", "ICE restart refused (not supported)", {{"room", room}});
    return TrickleResult::IceRestart;
  }
  return TrickleResult::Added;
}

void WhipIngest::stopAll() {
  auto all = std::move(sessions_);
  sessions_.clear();
  all.clear();  // each session stops its pipeline and ends its publication
}

void WhipIngest::erase(const std::string& id) { sessions_.erase(id); }

}  // namespace airclass::media::ingest
