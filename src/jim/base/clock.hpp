#pragma once
// Time source, injectable so tests are deterministic.
// Thread: SystemClock any; ManualClock any (atomic).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace jim {

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall-clock milliseconds since the Unix epoch (message createTime).
    virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
  public:
    std::int64_t now_ms() const override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

class ManualClock final : public Clock {
  public:
    explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
    std::int64_t now_ms() const override { return now_.load(std::memory_order_relaxed); }
    void advance(std::int64_t ms) { now_.fetch_add(ms, std::memory_order_relaxed); }

  private:
    std::atomic<std::int64_t> now_;
};

}  // namespace jim
