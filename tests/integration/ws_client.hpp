// A small blocking websocket client for integration tests (Boost.Beast over loopback TCP): connect to the
// server's /ws, send JSON, wait for the next message or for one of a given type, with timeouts. A timeout or a
// closed connection returns nullopt and leaves the client unusable. Test thread only.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without including it

// Beast trips GCC 12's flow-based -Wmaybe-uninitialized: a false positive in Boost.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

#include <chrono>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace airclass::test {

class WsClient {
 public:
  using json = nlohmann::json;

  // Connects and upgrades on /ws; `authorization` (e.g. "Bearer <jwt>") goes in the upgrade request when set.
  // Throws on failure.
  WsClient(int port, const std::string& authorization = "") : ws_(ioc_) {
    namespace net = boost::asio;
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    ws_.next_layer().connect(ep);
    ws_.set_option(boost::beast::websocket::stream_base::decorator(
        [authorization](boost::beast::websocket::request_type& req) {
          if (!authorization.empty()) req.set(boost::beast::http::field::authorization, authorization);
        }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  }
  ~WsClient() { drop(); }
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void send(const json& message) { sendText(message.dump()); }
  void sendText(const std::string& text) {
    ws_.text(true);
    ws_.write(boost::asio::buffer(text));
  }

  // Sends a request with a fresh id and returns the reply to it (`re` == id), skipping events (kept for next()).
  std::optional<json> request(json message, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const std::string id = std::to_string(++next_id_);
    message["v"] = 1;
    message["id"] = id;
    send(message);
    return waitFor([&](const json& m) { return m.value("re", "") == id; }, timeout);
  }

  // The next message (from the backlog first).
  std::optional<json> next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!backlog_.empty()) {
      json m = std::move(backlog_.front());
      backlog_.pop_front();
      return m;
    }
    return readOne(timeout);
  }

  // The first message matching `pred` within `timeout`; others are kept in the backlog for next().
  std::optional<json> waitFor(const std::function<bool(const json&)>& pred,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
      if (pred(*it)) {
        json m = std::move(*it);
        backlog_.erase(it);
        return m;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto m = readOne(left);
      if (!m) return std::nullopt;
      if (pred(*m)) return m;
      backlog_.push_back(std::move(*m));
    }
  }
  std::optional<json> waitForType(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return waitFor([&](const json& m) { return m.value("type", "") == type; }, timeout);
  }

  // True once the server closed the connection (close frame or EOF) within `timeout`.
  bool waitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!server_closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || closed_) return false;
      readOne(left);
    }
    return true;
  }
  // The close code the server sent (0: none seen).
  int closeCode() const { return close_code_; }

  // Drops the TCP connection without a close frame (a vanished network).
  void drop() {
    boost::system::error_code ec;
    ws_.next_layer().close(ec);
    closed_ = true;
  }

 private:
  std::optional<json> readOne(std::chrono::milliseconds timeout) {
    if (closed_) return std::nullopt;
    boost::beast::flat_buffer buffer;
    boost::system::error_code result;
    bool done = false;
    ws_.async_read(buffer, [&](boost::system::error_code ec, size_t) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {  // timed out: abandon the connection
      boost::system::error_code ec;
      ws_.next_layer().cancel(ec);
      ioc_.restart();
      ioc_.run();
      drop();
      return std::nullopt;
    }
    if (result) {
      // The close frame's code, when one arrived (Beast may report the server's TCP close instead of `closed`).
      close_code_ = ws_.reason().code;
      closed_ = true;
      server_closed_ = true;
      return std::nullopt;
    }
    return json::parse(boost::beast::buffers_to_string(buffer.data()));
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::deque<json> backlog_;
  uint64_t next_id_ = 0;
  bool closed_ = false;         // unusable: dropped, timed out or closed by the server
  bool server_closed_ = false;  // the server closed it (close frame or EOF)
  int close_code_ = 0;
};

}  // namespace airclass::test
