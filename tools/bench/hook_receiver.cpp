// jim-hook-receiver: a local HTTP receiver for benchmarks of the hooks (bench/RESULTS.md). It
// answers every POST with a fixed status and body after an optional delay: a fast webhook
// receiver, a moderation hook that accepts everything, or (a long --delay-ms) a dead receiver
// that accepts connections and never answers. Counts requests; prints the count on SIGINT/TERM.
//
//   jim-hook-receiver --port 9000 --body '{"action":"accept"}'

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "support/http_receiver.hpp"

int main(int argc, char** argv) {
    CLI::App app{"jim-hook-receiver: answers every HTTP request with a fixed reply"};
    int status = 200;
    std::string body = "{\"action\":\"accept\"}";
    int delay_ms = 0;
    app.add_option("--status", status, "HTTP status of every answer");
    app.add_option("--body", body, "Body of every answer");
    app.add_option("--delay-ms", delay_ms, "Wait this long before answering (dead: 600000)");
    CLI11_PARSE(app, argc, argv);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    jim::testing::HttpReceiver rx(/*record=*/false);
    rx.set_handler([&](const jim::testing::HttpReceiver::Received&) {
        return jim::testing::HttpReceiver::Reply{status, body, std::chrono::milliseconds(delay_ms)};
    });
    std::printf("jim-hook-receiver listening on 127.0.0.1:%u\n", static_cast<unsigned>(rx.port()));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&signals, &sig);
    std::printf("requests %zu connections %zu\n", rx.count(), rx.connections());
    return 0;
}
