// A tiny blocking HTTP/1.1 client over POSIX sockets for the server tests: real sockets, real bytes.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>

namespace airclass::server::test {

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool closed = false;  // the connection ended before a whole response arrived
};

class HttpTestClient {
 public:
  explicit HttpTestClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    setTimeout(timeout);
  }
  ~HttpTestClient() { close(); }
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void setTimeout(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  void sendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Sends one request and reads its response.
  Response request(const std::string& method, const std::string& target, const std::string& body = {},
                   const std::string& extra_headers = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers;
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    sendRaw(req);
    return read(method == "HEAD");
  }

  // Reads one response; `no_body`: a HEAD reply or a 101 (headers only).
  Response read(bool no_body = false) {
    Response r;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        r.closed = true;
        return r;
      }
    }
    const std::string head = buffer_.substr(0, header_end + 2);
    buffer_.erase(0, header_end + 4);
    size_t pos = head.find("\r\n");
    const std::string status_line = head.substr(0, pos);
    const size_t sp = status_line.find(' ');
    r.status = sp == std::string::npos ? 0 : std::stoi(status_line.substr(sp + 1, 3));
    pos += 2;
    while (pos < head.size()) {
      const size_t e = head.find("\r\n", pos);
      const std::string line = head.substr(pos, e - pos);
      pos = e + 2;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      // A repeated header folds into one comma-separated value (RFC 9110 5.3), so duplicates show.
      auto [it, fresh] = r.headers.try_emplace(name, value);
      if (!fresh) it->second += ", " + value;
    }
    const size_t length =
        (no_body || !r.headers.count("content-length")) ? 0 : std::stoul(r.headers["content-length"]);
    while (buffer_.size() < length) {
      if (!fill()) {
        r.closed = true;
        break;
      }
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, std::min(length, buffer_.size()));
    return r;
  }

  // True when the server closes the connection (EOF or reset) within the receive timeout.
  bool closedByPeer() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace airclass::server::test
