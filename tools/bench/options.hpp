#pragma once
// jim-bench command line: every knob of a run, parsed once in main and then read-only.
// Thread: any (immutable after parse_options).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jim::bench {

enum class Scenario : std::uint8_t { idle, pairs, latency, fanout, storm };

std::string_view scenario_name(Scenario s) noexcept;

// Every knob of one run. Thread: any (read-only after parse_options).
struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8888;
    // Odd-numbered users connect here instead (0: to --port): with two cluster nodes every pair
    // spans both, so every message crosses between the nodes.
    std::uint16_t port2 = 0;
    std::string transport = "tcp";  // tcp | ws (idle only for ws)
    bool tls = false;               // TLS under the transport (idle only)
    Scenario scenario = Scenario::pairs;
    std::uint32_t connections = 1000;
    std::uint32_t inflight = 16;       // pairs: messages in flight per sender
    double msg_rate = 0;               // pairs: messages per second per sender; 0 = closed loop
    double duration_s = 10;            // pairs: measured window
    double warmup_s = 1;               // pairs: sent and received but not measured
    double drain_s = 10;               // pairs: longest wait for in-flight messages after it
    std::uint32_t size = 100;          // bytes of chat content (padded)
    double rate = 0;                   // connects per second over the whole run; 0 = unpaced
    std::uint32_t max_pending = 1000;  // connect+login attempts outstanding at once (whole run)
    std::uint32_t sources = 1;         // source addresses 127.0.0.1 .. 127.0.0.K
    std::uint32_t procs = 1;           // processes (each holds connections / procs sockets)
    std::uint32_t threads = 1;         // event-loop threads per process
    int server_pid = 0;                // read RSS and CPU of this process when > 0
    std::string report;                // HTML report path
    std::string prefix;                // user id prefix; unique per run when empty
    double timeout_s = 60;             // connect+login phase deadline
    double settle_s = 0.5;             // idle: pause before reading the server's RSS after
    bool progress = true;              // one progress line per second on stderr

    std::uint32_t group_size = 0;  // fanout: members of the group (0: = connections); the
                                   // ones beyond --connections are members but offline

    // Users that send: every user in pairs, one user of the pair in latency.
    bool both_directions() const noexcept { return scenario != Scenario::latency; }
    // Scenarios with a warm-up and a measured window of chat traffic.
    bool windowed() const noexcept {
        return scenario == Scenario::pairs || scenario == Scenario::latency ||
               scenario == Scenario::fanout;
    }
    std::uint32_t members() const noexcept { return std::max(group_size, connections); }
};

// Parses argv. Returns nullopt after printing help or an error; `exit_code` says which.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace jim::bench
