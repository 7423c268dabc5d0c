#pragma once
// A latency histogram for /metrics with fixed bucket bounds (Prometheus "le" buckets). Each
// instance has one writer thread (a worker, the store thread) and any number of readers: the
// counters are relaxed atomics written with load+store, so observing costs a few plain
// instructions and no locked bus cycle. Scrapes sum the instances into a Snapshot.
// Thread: observe() from the one owning thread; add_to() from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace jim {

class LatencyHistogram {
  public:
    // Upper bounds in microseconds, from 50 µs (an ack without disk) to 5 s (a stalled disk).
    static constexpr std::array<std::uint64_t, 16> kBoundsUs{
        50,    100,   250,    500,    1000,   2500,    5000,    10000,
        25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000};
    static constexpr std::size_t kBuckets = kBoundsUs.size() + 1;  // the last one is +Inf

    // Non-cumulative bucket counts (the exposition format makes them cumulative).
    struct Snapshot {
        std::array<std::uint64_t, kBuckets> counts{};
        std::uint64_t count = 0;
        std::uint64_t sum_us = 0;
    };

    void observe(std::chrono::microseconds d) noexcept {
        const auto us = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
        std::size_t i = 0;
        while (i < kBoundsUs.size() && us > kBoundsUs[i]) ++i;
        bump(counts_[i], 1);
        bump(sum_us_, us);
    }

    void add_to(Snapshot& s) const noexcept {
        for (std::size_t i = 0; i < kBuckets; ++i) {
            const auto n = counts_[i].load(std::memory_order_relaxed);
            s.counts[i] += n;
            s.count += n;
        }
        s.sum_us += sum_us_.load(std::memory_order_relaxed);
    }

  private:
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
    std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace jim
