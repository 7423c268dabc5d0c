#include "options.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>

namespace jim::bench {

std::string_view scenario_name(Scenario s) noexcept {
    switch (s) {
        case Scenario::idle:
            return "idle";
        case Scenario::pairs:
            return "pairs";
        case Scenario::latency:
            return "latency";
        case Scenario::fanout:
            return "fanout";
        case Scenario::storm:
            return "storm";
    }
    return "?";
}

namespace {

// A prefix no earlier run used: pid and the low bits of the wall clock, base 36.
std::string unique_prefix() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    auto v = static_cast<std::uint64_t>(
                 std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) *
                 1000003u +
             static_cast<std::uint64_t>(::getpid());
    std::string s = "b";
    for (int i = 0; i < 8; ++i, v /= 36) s += "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    return s;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options o;
    CLI::App app{
        "jim-bench: load generator for jim (J-IM TCP protocol; WebSocket and TLS for idle)"};
    const std::map<std::string, Scenario> scenarios{{"idle", Scenario::idle},
                                                    {"pairs", Scenario::pairs},
                                                    {"latency", Scenario::latency},
                                                    {"fanout", Scenario::fanout},
                                                    {"storm", Scenario::storm}};
    std::string scenario = "pairs";
    app.add_option("--scenario", scenario,
                   "idle: N logged-in connections at --rate, server RSS per connection; "
                   "pairs: N/2 pairs, W in flight each way, closed loop; latency: one pair, one "
                   "message in flight (forces N=2, W=1); storm: N drop and reconnect at once; "
                   "fanout: --connections members of one group online (the rest of "
                   "--group-size offline), user 0 posts with W in flight (released by its acks); "
                   "counts deliveries")
        ->check(CLI::IsMember({"idle", "pairs", "latency", "fanout", "storm"}))
        ->capture_default_str();
    app.add_option("--host", o.host, "Server IPv4 address")->capture_default_str();
    app.add_option("--port", o.port, "Server port")->capture_default_str();
    app.add_option("--port2", o.port2,
                   "Second node's port: odd-numbered users connect there (cross-node pairs)");
    app.add_option("--transport", o.transport,
                   "Wire protocol: tcp (J-IM binary frames) or ws (WebSocket; idle only)")
        ->check(CLI::IsMember({"tcp", "ws"}))
        ->capture_default_str();
    app.add_flag("--tls", o.tls, "TLS under the transport (no certificate check; idle only)");
    app.add_option("-n,--connections", o.connections, "Logged-in connections (users)")
        ->check(CLI::Range(1u, 9'999'999u))
        ->capture_default_str();
    app.add_option("--group-size", o.group_size,
                   "fanout: group members; those beyond --connections join, then go offline "
                   "(0: as many as --connections)")
        ->capture_default_str();
    app.add_option("-w,--inflight", o.inflight, "pairs: messages in flight per sender")
        ->check(CLI::Range(1u, 100'000u))
        ->capture_default_str();
    app.add_option("--msg-rate", o.msg_rate,
                   "pairs: messages per second per sender, at most -w in flight (0 = closed "
                   "loop, as fast as acks come back); for soak runs at a moderate load")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str();
    app.add_option("-d,--duration", o.duration_s, "pairs: measured seconds")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    app.add_option("--warmup", o.warmup_s, "pairs: seconds before the measured window")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    app.add_option("--drain", o.drain_s, "pairs: seconds to wait for in-flight messages")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    app.add_option("-s,--size", o.size, "Chat content bytes (at least 40: seq, time, sender)")
        ->check(CLI::Range(1u, 1'000'000u))
        ->capture_default_str();
    app.add_option("--rate", o.rate, "Connects per second over the run (0 = unpaced)")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    app.add_option("--max-pending", o.max_pending, "Connect+login attempts outstanding at once")
        ->check(CLI::Range(1u, 1'000'000u))
        ->capture_default_str();
    app.add_option("--sources", o.sources, "Source addresses 127.0.0.1..127.0.0.K")
        ->check(CLI::Range(1u, 254u))
        ->capture_default_str();
    app.add_option("--procs", o.procs, "Processes sharing the connections")
        ->check(CLI::Range(1u, 64u))
        ->capture_default_str();
    app.add_option("--threads", o.threads, "Event-loop threads per process")
        ->check(CLI::Range(1u, 64u))
        ->capture_default_str();
    app.add_option("--server-pid", o.server_pid, "Server PID: report its RSS and CPU")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--report", o.report, "Write a self-contained HTML report to this file");
    app.add_option("--prefix", o.prefix, "User id prefix (default: unique per run)");
    app.add_option("--timeout", o.timeout_s, "Connect+login phase deadline in seconds")
        ->check(CLI::Range(1.0, 3600.0))
        ->capture_default_str();
    app.add_option("--settle", o.settle_s, "idle: seconds before reading the server RSS after")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    bool no_progress = false;
    app.add_flag("--no-progress", no_progress, "No progress lines on stderr");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e);
        return std::nullopt;
    }
    o.progress = !no_progress;
    o.scenario = scenarios.at(scenario);
    if (o.prefix.empty()) o.prefix = unique_prefix();
    if (o.prefix.size() > 40 || o.prefix.find_first_of(":\"\\ ") != std::string::npos) {
        std::fprintf(stderr,
                     "jim-bench: --prefix must be at most 40 characters without :\"\\ "
                     "or spaces\n");
        exit_code = 2;
        return std::nullopt;
    }
    if ((o.transport != "tcp" || o.tls) && o.scenario != Scenario::idle) {
        std::fprintf(stderr,
                     "jim-bench: --transport %s%s is only implemented for --scenario idle, not "
                     "%s\n",
                     o.transport.c_str(), o.tls ? " --tls" : "",
                     std::string(scenario_name(o.scenario)).c_str());
        exit_code = 2;
        return std::nullopt;
    }
    if (o.scenario == Scenario::latency) {
        o.connections = 2;
        o.inflight = 1;
    }
    if ((o.scenario == Scenario::pairs) && o.connections % 2 != 0) ++o.connections;
    if (o.procs > o.connections) o.procs = o.connections;
    exit_code = 0;
    return o;
}

}  // namespace jim::bench
