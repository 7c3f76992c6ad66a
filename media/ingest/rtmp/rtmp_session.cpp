#include "media/ingest/rtmp/rtmp_session.hpp"


#include "common/log.hpp"

namespace airclass::media::ingest::rtmp {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr auto kTick = std::chrono::milliseconds(500);

std::string describe(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

RtmpSession::RtmpSession(asio::ip::tcp::socket socket, const Settings& settings, PublishGate& gate,
                         Listener& listener, uint64_t id)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      settings_(settings),
      listener_(listener),
      id_(id),
      peer_(describe(socket_)),
      connection_(std::make_unique<RtmpConnection>(RtmpConnection::Settings{settings.max_message_bytes, peer_}, gate)),
      read_buffer_(kReadBufferBytes) {}

RtmpSession::~RtmpSession() = default;

void RtmpSession::start() {
  started_ = last_progress_ = Clock::now();
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  common::log::debug("media", "rtmp", "connection accepted", {{"peer", peer_}});
  read();
  tick();
}

void RtmpSession::read() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                            self->onRead(ec, n);
                          });
}

void RtmpSession::onRead(const boost::system::error_code& ec, size_t n) {
  if (closed_ || closing_) return;
  if (ec) {
    finish(ec == asio::error::eof ? "peer closed" : "read: " + ec.message(), false);
    return;
  }
  std::vector<uint8_t> out;
  const bool was_shaking = !connection_->handshakeDone();
  const bool ok = connection_->onBytes(std::span<const uint8_t>(read_buffer_.data(), n), out);
  if (was_shaking || !connection_->publishing()) last_progress_ = Clock::now();
  if (!out.empty()) queue(std::move(out));
  if (closed_ || closing_) return;  // the outbound queue overflowed
  if (!ok) {
    finish(connection_->closeReason(), true);
    return;
  }
  read();
}

void RtmpSession::queue(std::vector<uint8_t> bytes) {
  out_bytes_ += bytes.size();
  out_queue_.push_back(std::move(bytes));
  if (out_bytes_ > settings_.max_outbound_bytes) {
    finish("outbound queue over " + std::to_string(settings_.max_outbound_bytes) + " bytes", false);
    return;
  }
  write();
}

void RtmpSession::write() {
  if (writing_ || out_queue_.empty() || closed_) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_queue_.front()),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) {
                        self->finish("write: " + ec.message(), false);
                        return;
                      }
                      self->out_bytes_ -= self->out_queue_.front().size();
                      self->out_queue_.pop_front();
                      if (!self->out_queue_.empty()) {
                        self->write();
                      } else if (self->closing_) {
                        self->closeNow();
                      }
                    });
}

void RtmpSession::tick() {
  timer_.expires_after(kTick);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    const auto now = Clock::now();
    if (self->closing_) {
      // Flushing a final status: give the peer one handshake timeout to read it.
      if (now - self->started_ > self->settings_.handshake_timeout) self->closeNow();
      else self->tick();
      return;
    }
    if (!self->connection_->handshakeDone()) {
      if (now - self->started_ > self->settings_.handshake_timeout) {
        self->finish("handshake timeout", false);
        return;
      }
    } else {
      if (self->connection_->mediaMessages() != self->last_media_count_) {
        self->last_media_count_ = self->connection_->mediaMessages();
        self->last_progress_ = now;
      }
      if (now - self->last_progress_ > self->settings_.stall_timeout) {
        self->finish(self->connection_->publishing() ? "no media (stall timeout)" : "idle (stall timeout)", false);
        return;
      }
    }
    self->tick();
  });
}

void RtmpSession::finish(const std::string& reason, bool flush) {
  if (closed_ || closing_) return;
  const std::string room = connection_->room();
  common::log::info("media", "rtmp", "connection closed", {{"room", room}, {"peer", peer_}, {"why", reason}});
  connection_->endPublish(reason);
  if (flush && !out_queue_.empty()) {
    closing_ = true;
    started_ = Clock::now();  // the flush deadline
    return;
  }
  closeNow();
}

void RtmpSession::closeNow() {
  if (closed_) return;
  stop();
  listener_.onSessionClosed(*this);
}

void RtmpSession::stop() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  connection_->endPublish("server stopping");
}

}  // namespace airclass::media::ingest::rtmp
