// jim-bench: load generator for jim over the J-IM TCP protocol. Scenarios idle, pairs, latency,
// storm, fanout. Progress on stderr once a second; at the end one JSON line
// on stdout (scenario, parameters, results) followed by a readable table; --report writes an
// HTML page. See bench/RESULTS.md for how the standard suite (bench/run.sh) uses it.

#include <signal.h>

#include <boost/json.hpp>

#include <cstdio>
#include <exception>

#include "coordinator.hpp"
#include "options.hpp"
#include "protocol.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
    using namespace jim::bench;
    int exit_code = 0;
    const auto options = parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    ::signal(SIGPIPE, SIG_IGN);  // a closed peer shows up as EPIPE from writev

    const auto protocol = make_protocol(options->transport);
    if (!protocol) {
        std::fprintf(stderr, "jim-bench: unknown transport %s\n", options->transport.c_str());
        return 2;
    }
    try {
        Coordinator coordinator(*options, *protocol);
        return coordinator.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "jim-bench: %s\n", e.what());
        return 1;
    }
}
