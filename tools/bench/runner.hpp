#pragma once
// One generator process: runs its share of the users on Options::threads worker threads,
// relays their progress upward, waits at the ready barrier, and measures its own CPU use over
// the scenario's window (idle: connect phase; pairs/latency: the measured window; storm: drop
// until every user is back).
// Thread: run_process is called on the process's main thread; the workers get their own.

#include <cstdint>
#include <vector>

#include "options.hpp"
#include "protocol.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace jim::bench {

// Totals for the progress line. Thread: value type.
struct Progress {
    std::uint64_t logged_in = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t errors = 0;
    void add(const Progress& o) noexcept {
        logged_in += o.logged_in;
        sent += o.sent;
        received += o.received;
        errors += o.errors;
    }
};

// How a process talks to the run's coordinator: directly when there is one process, through
// pipes to the parent otherwise. Thread: the process's main thread only.
class Uplink {
  public:
    virtual ~Uplink() = default;
    // Called about every 20 ms with the process's totals.
    virtual void progress(const Progress& p) = 0;
    // Every user of this process is logged in (the last one at ready_ns). Blocks until the
    // coordinator answers; returns the go time (CLOCK_MONOTONIC ns), or 0 to abort.
    virtual std::int64_t ready(std::int64_t ready_ns) = 0;
};

// Splits `share` into `parts` contiguous shares; pair-aligned (even bounds) when `paired`.
std::vector<Share> split_share(Share share, unsigned parts, bool paired);

// Runs `share` on options.threads threads and returns the merged result; result.cpu holds one
// entry, this process. `workers_in_run` (procs x threads) divides --rate and --max-pending.
Result run_process(const Options& options, const Protocol& protocol, Share share,
                   std::int64_t start_ns, unsigned workers_in_run, Uplink& up);

}  // namespace jim::bench
