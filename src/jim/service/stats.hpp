#pragma once
// Counters of the command layer, one instance per worker (in its WorkerContext), summed at
// scrape time by /metrics. The owning worker is the only writer (relaxed atomics, load+store),
// so counting costs no locked instruction on the hot path.
// Thread: written by the owning worker only; read by any thread.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "jim/base/error.hpp"
#include "jim/base/latency_histogram.hpp"

namespace jim::service {

struct ServiceStats {
    std::atomic<std::uint64_t> chats{0};  // chat messages accepted (stored and routed)
    // Commands answered with an error status, by reason (bad_json, login_failed, ...).
    std::array<std::atomic<std::uint64_t>, kErrcCount> errors{};
    // From a chat command's dispatch to its ack being queued (the store commit included).
    LatencyHistogram ack_latency;

    static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void error(Errc e) noexcept { add(errors[static_cast<std::size_t>(e)]); }
};

}  // namespace jim::service
