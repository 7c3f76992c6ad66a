// Injected time source for the signaling domain (unix milliseconds), so tests control time. Any thread.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace airclass::signaling {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMs() const = 0;  // wall clock, unix epoch milliseconds
};

class SystemClock final : public Clock {
 public:
  int64_t nowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'800'000'000'000) : now_(start_ms) {}
  int64_t nowMs() const override { return now_.load(); }
  void advanceMs(int64_t ms) { now_ += ms; }
  void setMs(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace airclass::signaling
