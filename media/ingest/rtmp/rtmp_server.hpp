// The RTMP ingest listener: accepts publishers on [rtmp] host:port and feeds their rooms through the
// PublishGate. Media loop only (start/stop included).
#pragma once
#include <cstdint>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/config.hpp"
#include "media/ingest/publication.hpp"
#include "media/ingest/rtmp/rtmp_session.hpp"

namespace airclass::media::ingest::rtmp {

class RtmpServer : private RtmpSession::Listener {
 public:
  RtmpServer(boost::asio::io_context& loop, const common::Config& config, PublishGate& gate);
  ~RtmpServer() override;
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  // Binds [rtmp] host:port (port 0: any free port) and starts accepting. Throws common::Error on failure.
  void start();
  uint16_t port() const { return port_; }
  // Closes the acceptor and every session (their publications end now). Safe to call twice.
  void stop();
  size_t sessionCount() const { return sessions_.size(); }

 private:
  void accept();
  void onSessionClosed(RtmpSession& session) override;

  boost::asio::io_context& loop_;
  std::string host_;
  int port_config_;
  RtmpSession::Settings settings_;
  PublishGate& gate_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  bool running_ = false;
  uint64_t next_id_ = 1;
  // Sessions are shared_ptr because their pending Asio handlers hold them too: after stop() or a close the
  // server drops its reference at once and the session object lives until its last handler has run with
  // operation_aborted, so no handler ever touches a freed session.
  std::map<uint64_t, std::shared_ptr<RtmpSession>> sessions_;
};

}  // namespace airclass::media::ingest::rtmp
