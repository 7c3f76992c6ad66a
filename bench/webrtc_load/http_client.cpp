#include "bench/webrtc_load/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace airclass::bench {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

size_t parseNumber(std::string_view s, int base) {
  size_t value = 0;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (r.ec != std::errc()) throw std::runtime_error("http: bad number in response");
  return value;
}

}  // namespace

HttpClient::HttpClient(std::string_view base, std::chrono::milliseconds timeout) : timeout_(timeout) {
  constexpr std::string_view scheme = "http://";
  if (base.substr(0, scheme.size()) != scheme) throw std::runtime_error("http: only http:// URLs");
  base.remove_prefix(scheme.size());
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  const auto colon = base.rfind(':');
  host_ = std::string(base.substr(0, colon));
  if (colon != std::string_view::npos) port_ = static_cast<uint16_t>(parseNumber(base.substr(colon + 1), 10));
  if (host_ == "localhost") host_ = "127.0.0.1";
}

HttpClient::~HttpClient() { closeSocket(); }

void HttpClient::closeSocket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpClient::connectSocket() {
  closeSocket();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) throw std::runtime_error("http: bad host " + host_);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("http: socket failed");
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    closeSocket();
    throw std::runtime_error("http: connect " + host_ + ": " + why);
  }
}

void HttpClient::sendAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("http: send failed");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

bool HttpClient::readMore(std::string& buffer) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout_.count()));
  if (ready == 0) throw std::runtime_error("http: timeout");
  if (ready < 0) throw std::runtime_error("http: poll failed");
  char chunk[16384];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n < 0) throw std::runtime_error("http: recv failed");
  if (n == 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  if (buffer.size() > kMaxResponse) throw std::runtime_error("http: response too large");
  return true;
}

HttpResponse HttpClient::request(std::string_view method, std::string_view path, std::string_view content_type,
                                 std::string_view body, std::string_view bearer) {
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
  if (!bearer.empty()) req.append("Authorization: Bearer ").append(bearer).append("\r\n");
  if (!content_type.empty()) req.append("Content-Type: ").append(content_type).append("\r\n");
  req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  const bool reused = fd_ >= 0;
  if (!reused) connectSocket();
  try {
    return exchange(req);
  } catch (const std::exception&) {
    if (!reused) throw;
    connectSocket();  // the kept-alive connection may have been closed by the server meanwhile
    return exchange(req);
  }
}

HttpResponse HttpClient::exchange(const std::string& request) {
  try {
    sendAll(request);
    std::string buffer;
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!readMore(buffer)) throw std::runtime_error("http: connection closed before the response");
    }
    HttpResponse response;
    const std::string_view head(buffer.data(), header_end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") throw std::runtime_error("http: bad status line");
    response.status = static_cast<int>(parseNumber(head.substr(9, 3), 10));
    std::optional<size_t> length;
    bool chunked = false;
    bool close_after = false;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const auto line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        const std::string name = lower(line.substr(0, colon));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-length") length = parseNumber(value, 10);
        if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) chunked = true;
        if (name == "connection" && lower(value) == "close") close_after = true;
        if (name == "location") response.location = std::string(value);
      }
      pos = next;
    }
    std::string rest = buffer.substr(header_end + 4);
    if (chunked) {
      size_t at = 0;
      for (;;) {
        size_t eol;
        while ((eol = rest.find("\r\n", at)) == std::string::npos) {
          if (!readMore(rest)) throw std::runtime_error("http: truncated chunk");
        }
        const size_t size = parseNumber(std::string_view(rest).substr(at, eol - at), 16);
        while (rest.size() < eol + 2 + size + 2) {
          if (!readMore(rest)) throw std::runtime_error("http: truncated chunk");
        }
        if (size == 0) break;
        response.body.append(rest, eol + 2, size);
        at = eol + 2 + size + 2;
      }
    } else if (length) {
      if (*length > kMaxResponse) throw std::runtime_error("http: response too large");
      while (rest.size() < *length) {
        if (!readMore(rest)) throw std::runtime_error("http: truncated body");
      }
      response.body = rest.substr(0, *length);
    } else {
      while (readMore(rest)) {
      }
      response.body = std::move(rest);
      close_after = true;
    }
    if (close_after) closeSocket();
    return response;
  } catch (...) {
    closeSocket();
    throw;
  }
}

}  // namespace airclass::bench
