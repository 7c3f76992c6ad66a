#include "server/whip_gateway.hpp"

#include <boost/asio/post.hpp>

namespace airclass::server {

WhipGateway::WhipGateway(boost::asio::io_context& media_loop, std::function<void()> wake)
    : media_loop_(media_loop), wake_(std::move(wake)) {}

void WhipGateway::setIngest(media::ingest::WhipIngest* ingest) { ingest_ = ingest; }

void WhipGateway::add(uint64_t request_id) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(pending_, [now](const auto& entry) { return now - entry.second.since > kForgetAfter; });
  if (pending_.size() >= kMaxPending) {
    throw common::Error(common::ErrorCode::Unavailable, "whip: too many requests in progress");
  }
  pending_[request_id] = Pending{std::nullopt, now};
}

void WhipGateway::begin(uint64_t request_id, media::ingest::PublishRequest request, std::string offer_sdp) {
  add(request_id);
  boost::asio::post(media_loop_, [this, request_id, request = std::move(request), offer = std::move(offer_sdp)] {
    if (!ingest_) {
      finish(request_id, request.room, common::Error(common::ErrorCode::Unavailable, "whip: media is not running"));
      return;
    }
    ingest_->start(request, offer, [this, request_id, room = request.room](media::ingest::WhipOutcome outcome) {
      if (auto* answer = std::get_if<media::ingest::WhipAnswer>(&outcome)) {
        finish(request_id, room, std::move(*answer));
      } else {
        finish(request_id, room, std::get<common::Error>(outcome));
      }
    });
  });
}

void WhipGateway::beginStop(uint64_t request_id, std::string room, std::string resource_id) {
  add(request_id);
  boost::asio::post(media_loop_, [this, request_id, room = std::move(room), id = std::move(resource_id)] {
    finish(request_id, room, ingest_ != nullptr && ingest_->stop(room, id));
  });
}

void WhipGateway::beginTrickle(uint64_t request_id, std::string room, std::string resource_id,
                               media::ingest::TrickleFragment fragment) {
  add(request_id);
  boost::asio::post(media_loop_, [this, request_id, room = std::move(room), id = std::move(resource_id),
                                  fragment = std::move(fragment)] {
    if (!ingest_) {
      finish(request_id, room, media::ingest::TrickleResult::NoSession);
      return;
    }
    try {
      finish(request_id, room, ingest_->trickle(room, id, fragment));
    } catch (const common::Error& e) {
      finish(request_id, room, e);
    }
  });
}

void WhipGateway::finish(uint64_t request_id, const std::string& room, Outcome outcome) {
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(request_id);
    if (it != pending_.end()) {
      it->second.outcome = std::move(outcome);
      wake_();
      return;
    }
  }
  // Nobody waits for it any more: a session that was answered would hold the room for nothing.
  if (auto* answer = std::get_if<media::ingest::WhipAnswer>(&outcome); answer && ingest_) {
    ingest_->stop(room, answer->id);
  }
}

WhipGateway::State WhipGateway::poll(uint64_t request_id, std::optional<Outcome>& out) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(request_id);
  if (it == pending_.end()) return State::Unknown;
  if (!it->second.outcome) return State::Pending;
  out = std::move(it->second.outcome);
  pending_.erase(it);
  return State::Ready;
}

void WhipGateway::abandon(uint64_t request_id) {
  std::lock_guard lock(mutex_);
  pending_.erase(request_id);
}

}  // namespace airclass::server
