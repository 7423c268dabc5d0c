#pragma once
// Counters of the network core. Each worker owns one WorkerStats and is its only writer
// (relaxed atomics, so any thread may read them for metrics and tests).

#include <array>
#include <atomic>
#include <cstdint>

#include "jim/base/error.hpp"

namespace jim::net {

struct WorkerStats {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> open{0};
    std::atomic<std::uint64_t> frames_in{0};
    std::atomic<std::uint64_t> frames_out{0};
    std::atomic<std::uint64_t> writes{0};           // sendmsg calls
    std::atomic<std::uint64_t> syn_seq_dropped{0};  // frames with synSeq > 0 (spec §2.3)
    std::atomic<std::uint64_t> rate_limited{0};     // messages refused by the message rate
    std::atomic<std::uint64_t> read_pauses{0};      // outbox passed high water: reading paused
    // By close reason; refused connections (too_many_connections, connection_rate) included, so
    // accepted == open + the sum of closed.
    std::array<std::atomic<std::uint64_t>, kErrcCount> closed{};

    void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

// A summed snapshot over all workers.
struct ServerStats {
    std::uint64_t accepted = 0;
    std::uint64_t open = 0;
    std::uint64_t frames_in = 0;
    std::uint64_t frames_out = 0;
    std::uint64_t writes = 0;
    std::uint64_t syn_seq_dropped = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t read_pauses = 0;
    std::array<std::uint64_t, kErrcCount> closed{};

    std::uint64_t closed_by(Errc e) const noexcept { return closed[static_cast<std::size_t>(e)]; }
};

}  // namespace jim::net
