#pragma once
// What a run measures: per-thread counters and distributions, merged across threads and
// processes, plus readers for the server's /proc entries and this process's CPU use.
// Thread: Counters and Result are plain values owned by one thread until handed over.

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace jim::bench {

// Monotonic clock (CLOCK_MONOTONIC, the same in every process of the machine) in ns.
std::int64_t mono_ns() noexcept;

// Event counts of one thread, later of the run (merge). Thread: owning thread until merged.
struct Counters {
    std::uint64_t logged_in = 0;        // successful logins (storm: both rounds)
    std::uint64_t connect_errors = 0;   // connect() failures, retried up to 3 times
    std::uint64_t login_errors = 0;     // login answered with anything but 10007
    std::uint64_t closed = 0;           // closed by the server or reset
    std::uint64_t protocol_errors = 0;  // undecodable frames, unexpected commands
    std::uint64_t sent = 0;             // chat messages sent
    std::uint64_t received = 0;         // chat pushes received (duplicates included)
    std::uint64_t in_window = 0;        // pushes received inside the measured window
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;  // arrived after a later message of the same sender
    std::uint64_t misrouted = 0;     // a push that names a sender other than the partner
    std::uint64_t lost = 0;          // sent, never received (computed after the drain)
    std::uint64_t acks_ok = 0;       // cmd 12 code 10000
    std::uint64_t acks_offline = 0;  // cmd 12 code 10001
    std::uint64_t acks_error = 0;    // cmd 12 with another code
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;

    void merge(const Counters& o) noexcept;
    std::uint64_t errors() const noexcept {
        return connect_errors + login_errors + closed + protocol_errors + misrouted + acks_error;
    }
    boost::json::object to_json() const;
    static Counters from_json(const boost::json::value& v);
};

// CPU time of one generator process over the scenario's measured window. Thread: value type.
struct ProcessCpu {
    double user_s = 0;
    double sys_s = 0;
    double wall_s = 0;
    double percent() const noexcept { return wall_s > 0 ? 100.0 * (user_s + sys_s) / wall_s : 0; }
};

// The outcome of one thread, one process, or (merged) the whole run. Thread: owned by one
// thread at a time (handed over through ThreadControl or a pipe as JSON).
struct Result {
    bool ok = true;
    std::string error;
    Counters counters;
    Histogram latency;  // pairs/latency: send -> receive; idle/storm: connect -> login answer
    std::int64_t first_start_ns = 0;  // earliest connect started (phase of the histogram)
    std::int64_t last_done_ns = 0;    // last login completed (idle, storm) or last receipt
    std::vector<ProcessCpu> cpu;      // one entry per generator process

    void merge(const Result& o);
    boost::json::value to_json() const;
    static Result from_json(const boost::json::value& v);
};

// getrusage(RUSAGE_SELF) user and system seconds.
void self_cpu(double& user_s, double& sys_s) noexcept;

// /proc/<pid>/status VmRSS in bytes; -1 when unreadable.
std::int64_t proc_rss_bytes(int pid);
// /proc/<pid>/stat utime + stime in seconds; -1 when unreadable.
double proc_cpu_seconds(int pid);
// /proc/<pid>/status Threads; -1 when unreadable.
int proc_threads(int pid);

}  // namespace jim::bench
