// Server side of the RTMP simple handshake (version 3): C0+C1 -> S0+S1+S2 (S2 echoes C1), then C2.
// Works with ffmpeg's and OBS's clients (a zero version in S1 makes them skip digest checks). No I/O.
// Owner's thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace airclass::media::ingest::rtmp {

class RtmpHandshake {
 public:
  static constexpr size_t kPacketSize = 1536;
  enum class State { WaitC0C1, WaitC2, Done, Failed };

  // Consumes from `in` what the handshake needs, appending the reply to `out`; returns how many bytes it
  // consumed (the rest, after Done, belongs to the chunk stream).
  size_t feed(std::span<const uint8_t> in, std::vector<uint8_t>& out);
  State state() const { return state_; }
  bool done() const { return state_ == State::Done; }
  bool failed() const { return state_ == State::Failed; }
  const std::string& error() const { return error_; }

 private:
  State state_ = State::WaitC0C1;
  std::vector<uint8_t> pending_;  // partial C0+C1 or C2
  std::string error_;
};

}  // namespace airclass::media::ingest::rtmp
