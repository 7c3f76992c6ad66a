// One RTMP TCP connection on the media loop: reads into a bounded buffer, drives an RtmpConnection, keeps one
// write in flight with a bounded outbound queue, and enforces the handshake and stall timeouts.
// Media loop only (a single-threaded io_context, so no strand is needed).
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "media/ingest/publication.hpp"
#include "media/ingest/rtmp/rtmp_connection.hpp"

namespace airclass::media::ingest::rtmp {

class RtmpSession : public std::enable_shared_from_this<RtmpSession> {
 public:
  struct Settings {
    uint32_t max_message_bytes = 8 * 1024 * 1024;
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds stall_timeout{10};
    size_t max_outbound_bytes = 1 << 20;  // a publisher reads little; more queued means it stopped reading
  };
  // Told once when the session has closed by itself (not after stop()).
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onSessionClosed(RtmpSession& session) = 0;
  };

  RtmpSession(boost::asio::ip::tcp::socket socket, const Settings& settings, PublishGate& gate,
              Listener& listener, uint64_t id);
  ~RtmpSession();

  void start();
  // Closes the socket and ends the publish now, without telling the listener. Safe to call twice.
  void stop();
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }

 private:
  void read();
  void onRead(const boost::system::error_code& ec, size_t n);
  void queue(std::vector<uint8_t> bytes);
  void write();
  void tick();
  // Ends the session: flushes what is queued first when `flush`, then closes and tells the listener.
  void finish(const std::string& reason, bool flush);
  void closeNow();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  Settings settings_;
  Listener& listener_;
  uint64_t id_;
  std::string peer_;
  std::unique_ptr<RtmpConnection> connection_;
  std::vector<uint8_t> read_buffer_;
  std::deque<std::vector<uint8_t>> out_queue_;
  size_t out_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // no more reads; close once the queue is flushed
  bool closed_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_progress_;  // last media (or, before publish, last handshake/command)
  uint64_t last_media_count_ = 0;
};

}  // namespace airclass::media::ingest::rtmp
