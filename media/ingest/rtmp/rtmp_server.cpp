#include "media/ingest/rtmp/rtmp_server.hpp"


#include "common/error.hpp"
#include "common/log.hpp"

namespace airclass::media::ingest::rtmp {

namespace asio = boost::asio;
using asio::ip::tcp;

RtmpServer::RtmpServer(asio::io_context& loop, const common::Config& config, PublishGate& gate)
    : loop_(loop),
      host_(config.rtmp.host),
      port_config_(config.rtmp.port),
      settings_{config.rtmp.max_message_bytes, std::chrono::seconds(config.rtmp.handshake_timeout_s),
                std::chrono::seconds(config.ingest.stall_timeout_s)},
      gate_(gate),
      acceptor_(loop) {}

RtmpServer::~RtmpServer() { stop(); }

void RtmpServer::start() {
  if (running_) return;
  if (port_config_ < 0 || port_config_ > 65535) {
    throw common::Error(common::ErrorCode::Config, "rtmp: [rtmp] port " + std::to_string(port_config_) + " out of range");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host_, ec);
  if (ec) throw common::Error(common::ErrorCode::Config, "rtmp: bad [rtmp] host '" + host_ + "': " + ec.message());
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(port_config_));
  const auto fail = [&](const char* what) {
    acceptor_.close(ec);
    throw common::Error(common::ErrorCode::Config, std::string("rtmp: ") + what + " " + host_ + ":" +
                                                       std::to_string(port_config_) + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) fail("open");
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec)) fail("reuse_address");
  if (acceptor_.bind(endpoint, ec)) fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  running_ = true;
  common::log::info("media", "rtmp", "listening", {{"address", host_}, {"port", std::to_string(port_)}});
  accept();
}

void RtmpServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stop() closed the acceptor; `this` may be gone
    if (!running_) return;
    if (ec) {
      common::log::warn("media", "rtmp", "accept failed", {{"error", ec.message()}});
    } else {
      const uint64_t id = next_id_++;
      auto session = std::make_shared<RtmpSession>(std::move(socket), settings_, gate_, static_cast<RtmpSession::Listener&>(*this), id);
      sessions_.emplace(id, session);
      session->start();
    }
    accept();
  });
}

void RtmpServer::onSessionClosed(RtmpSession& session) {
  auto it = sessions_.find(session.id());
  if (it == sessions_.end()) return;
  // Called from inside the session's own handler: hand our reference to a posted no-op so the object
  // outlives this call stack, then drop it at the end of the loop turn.
  asio::post(loop_, [doomed = std::move(it->second)] {});
  sessions_.erase(it);
}

void RtmpServer::stop() {
  if (running_) {
    running_ = false;
    boost::system::error_code ec;
    acceptor_.close(ec);
    common::log::info("media", "rtmp", "stopped", {{"port", std::to_string(port_)}});
  }
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, session] : sessions) session->stop();
}

}  // namespace airclass::media::ingest::rtmp
