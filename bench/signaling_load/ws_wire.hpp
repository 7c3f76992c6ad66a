// The minimal websocket wire format a load client needs (RFC 6455): the upgrade request, masked client text
// frames and parsing of the server's unmasked frames out of a receive buffer. Pure functions: any thread.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace airclass::bench {

inline std::string upgradeRequest(const std::string& host, const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n\r\n";
}

// Appends one masked FIN text frame carrying `payload` to `out`.
inline void appendClientText(std::string& out, std::string_view payload, uint32_t mask_key) {
  const size_t n = payload.size();
  out.push_back(static_cast<char>(0x81));
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
  }
  unsigned char mask[4];
  std::memcpy(mask, &mask_key, 4);
  out.append(reinterpret_cast<const char*>(mask), 4);
  const size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < n; ++i) out[start + i] = static_cast<char>(out[start + i] ^ mask[i & 3]);
}

struct ServerFrame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong, 0 continuation
  bool fin = true;
  std::string_view payload;
  size_t consumed = 0;  // bytes of the buffer this frame used
};

// Parses one frame at the start of `buf`. Returns false when more bytes are needed or the frame is invalid
// (`bad` set: masked, or longer than `max_payload`).
inline bool parseServerFrame(std::string_view buf, ServerFrame& f, bool& bad, size_t max_payload = 1 << 24) {
  bad = false;
  if (buf.size() < 2) return false;
  const auto b0 = static_cast<unsigned char>(buf[0]);
  const auto b1 = static_cast<unsigned char>(buf[1]);
  if (b1 & 0x80) {
    bad = true;
    return false;
  }
  uint64_t len = b1 & 0x7f;
  size_t header = 2;
  if (len == 126) {
    if (buf.size() < 4) return false;
    len = (static_cast<uint64_t>(static_cast<unsigned char>(buf[2])) << 8) | static_cast<unsigned char>(buf[3]);
    header = 4;
  } else if (len == 127) {
    if (buf.size() < 10) return false;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf[2 + i]);
    header = 10;
  }
  if (len > max_payload) {
    bad = true;
    return false;
  }
  if (buf.size() < header + len) return false;
  f.fin = (b0 & 0x80) != 0;
  f.opcode = b0 & 0x0f;
  f.payload = buf.substr(header, static_cast<size_t>(len));
  f.consumed = header + static_cast<size_t>(len);
  return true;
}

}  // namespace airclass::bench
