#pragma once
// The top of a run: checks the open-files limit, runs the generator in-process or forks
// --procs children (results come back as JSON lines through pipes), decides when every phase
// starts (one ready barrier for all processes, then an absolute CLOCK_MONOTONIC go time),
// samples the server's RSS and CPU at the phase edges, prints the progress line every second
// and the final outputs.
// Thread: main thread only.

#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"
#include "protocol.hpp"
#include "report.hpp"
#include "runner.hpp"

namespace jim::bench {

// The run's coordinator (see the file comment). Thread: main thread only.
class Coordinator {
  public:
    Coordinator(const Options& options, const Protocol& protocol);

    // Runs the scenario; prints the JSON line and the table on stdout. Returns the exit status.
    int run();

    // From a generator process (in-process uplink or the parent's pipe loop).
    void on_progress(std::size_t proc, const Progress& p);
    std::int64_t on_ready(std::int64_t ready_ns);

  private:
    bool raise_fd_limit(std::string& error) const;
    Result run_in_process();
    Result run_children();
    void tick();
    double server_cpu() const;

    const Options& options_;
    const Protocol& protocol_;
    RunFacts facts_;
    std::vector<Progress> progress_;
    // Server CPU over the scenario's window.
    double cpu_begin_ = -1;
    std::int64_t cpu_begin_ns_ = 0;
    double cpu_end_ = -1;
    std::int64_t cpu_end_ns_ = 0;
    // Progress line.
    std::int64_t last_print_ns_ = 0;
    std::uint64_t last_received_ = 0;
    double last_server_cpu_ = -1;
    double last_self_cpu_ = -1;
};

}  // namespace jim::bench
