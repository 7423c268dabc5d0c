#pragma once
// Counters of the network core. Each worker owns one WorkerStats and is its only writer
// (relaxed atomics, so any thread may read them for metrics and tests). GET /metrics sums them
// over the workers at scrape time (net/metrics.cpp), so counting stays a plain add.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "jim/base/error.hpp"
#include "jim/codec/detect.hpp"

namespace jim::net {

inline constexpr std::size_t kProtocolCount =
    static_cast<std::size_t>(codec::Protocol::websocket) + 1;

struct WorkerStats {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> open{0};
    std::atomic<std::uint64_t> frames_in{0};
    std::atomic<std::uint64_t> frames_out{0};
    std::atomic<std::uint64_t> writes{0};           // sendmsg calls
    std::atomic<std::uint64_t> syn_seq_dropped{0};  // frames with synSeq > 0 (spec §2.3)
    std::atomic<std::uint64_t> rate_limited{0};     // messages refused by the message rate
    std::atomic<std::uint64_t> read_pauses{0};      // outbox passed high water: reading paused
    std::atomic<std::uint64_t> logins{0};           // sessions bound to a user
    // By close reason; refused connections (too_many_connections, connection_rate) included, so
    // accepted == open + the sum of closed.
    std::array<std::atomic<std::uint64_t>, kErrcCount> closed{};
    // By codec::Protocol: connections whose protocol was detected (an upgrade counts again as
    // websocket), and the open ones now (unknown = not yet detected).
    std::array<std::atomic<std::uint64_t>, kProtocolCount> detected{};
    std::array<std::atomic<std::uint64_t>, kProtocolCount> open_by_protocol{};

    void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void sub(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
};

// The plain counters of WorkerStats as /metrics shows them: adding a counter to WorkerStats and
// a row here is all it takes to export it (summed over workers at scrape time). Labelled arrays
// (closed, detected, open_by_protocol) are written by net/metrics.cpp.
struct CounterRow {
    std::string_view name;  // Prometheus metric name
    std::string_view type;  // "counter" or "gauge"
    std::string_view help;
    std::atomic<std::uint64_t> WorkerStats::*field;
};

inline constexpr std::array kWorkerCounters{
    CounterRow{"jim_connections_accepted_total", "counter", "Connections accepted.",
               &WorkerStats::accepted},
    CounterRow{"jim_connections_open", "gauge", "Connections open now, every protocol.",
               &WorkerStats::open},
    CounterRow{"jim_frames_in_total", "counter",
               "Messages received: TCP frames, WebSocket messages, HTTP requests.",
               &WorkerStats::frames_in},
    CounterRow{"jim_frames_out_total", "counter", "Messages queued for sending to clients.",
               &WorkerStats::frames_out},
    CounterRow{"jim_writes_total", "counter", "Socket writes (one sendmsg carries many messages).",
               &WorkerStats::writes},
    CounterRow{"jim_syn_seq_dropped_total", "counter",
               "TCP frames with synSeq > 0, dropped as J-IM does.", &WorkerStats::syn_seq_dropped},
    CounterRow{"jim_logins_total", "counter", "Successful logins.", &WorkerStats::logins},
    CounterRow{"jim_rate_limited_total", "counter",
               "Messages refused by limits.max_messages_per_s.", &WorkerStats::rate_limited},
    CounterRow{"jim_read_pauses_total", "counter",
               "Times a slow consumer's outbox passed high water and its reading paused.",
               &WorkerStats::read_pauses},
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
