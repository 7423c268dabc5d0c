#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>

namespace jim::bench {
namespace {

constexpr auto kTick = std::chrono::milliseconds(20);

// A CPU and wall-clock reading of this process.
struct Mark {
    double user_s = 0;
    double sys_s = 0;
    std::int64_t at_ns = 0;
    static Mark now() {
        Mark m;
        self_cpu(m.user_s, m.sys_s);
        m.at_ns = mono_ns();
        return m;
    }
};

ProcessCpu between(const Mark& a, const Mark& b) {
    return {b.user_s - a.user_s, b.sys_s - a.sys_s, static_cast<double>(b.at_ns - a.at_ns) / 1e9};
}

}  // namespace

std::vector<Share> split_share(Share share, unsigned parts, bool paired) {
    std::vector<Share> out;
    const std::uint32_t unit = paired ? 2 : 1;
    const std::uint32_t units = share.count / unit;
    std::uint32_t first = share.first;
    for (unsigned i = 0; i < parts; ++i) {
        const std::uint32_t mine = units / parts + (i < units % parts ? 1 : 0);
        out.push_back({first, mine * unit});
        first += mine * unit;
    }
    return out;
}

Result run_process(const Options& options, const Protocol& protocol, Share share,
                   std::int64_t start_ns, unsigned workers_in_run, Uplink& up) {
    const bool paired =
        options.scenario == Scenario::pairs || options.scenario == Scenario::latency;
    const auto shares = split_share(share, options.threads, paired);
    std::vector<std::unique_ptr<ThreadControl>> controls;
    std::vector<std::thread> threads;
    const Mark process_start = Mark::now();
    for (const Share& s : shares) {
        controls.push_back(std::make_unique<ThreadControl>());
        ThreadControl& ctl = *controls.back();
        threads.emplace_back([&options, &protocol, s, start_ns, workers_in_run, &ctl] {
            try {
                Worker w(options, protocol, s, start_ns, workers_in_run, ctl);
                w.run();
            } catch (const std::exception& e) {
                ctl.result.ok = false;
                ctl.result.error = e.what();
                ctl.done.store(true, std::memory_order_release);
            }
        });
    }

    const bool pairs_like = options.windowed();
    const auto warmup = static_cast<std::int64_t>(options.warmup_s * 1e9);
    const auto duration = static_cast<std::int64_t>(options.duration_s * 1e9);
    std::optional<Mark> begin, end;
    if (options.scenario == Scenario::idle) begin = process_start;
    bool signalled = false;
    std::int64_t go = 0;
    for (;;) {
        std::this_thread::sleep_for(kTick);
        Progress p;
        bool all_ready = true, all_done = true, failed = false;
        for (auto& c : controls) {
            p.add({c->logged_in.load(std::memory_order_relaxed),
                   c->sent.load(std::memory_order_relaxed),
                   c->received.load(std::memory_order_relaxed),
                   c->errors.load(std::memory_order_relaxed)});
            const bool done = c->done.load(std::memory_order_acquire);
            all_ready = all_ready && c->ready.load(std::memory_order_acquire);
            all_done = all_done && done;
            failed = failed || (done && !c->result.ok);
        }
        up.progress(p);
        if (!signalled && (failed || all_ready)) {
            signalled = true;
            if (failed) {
                for (auto& c : controls) c->abort.store(true, std::memory_order_relaxed);
            } else {
                if (options.scenario == Scenario::idle) end = Mark::now();
                std::int64_t last = 0;
                for (auto& c : controls) last = std::max(last, c->ready_ns.load());
                go = up.ready(last);
                for (auto& c : controls) {
                    if (go == 0) c->abort.store(true, std::memory_order_relaxed);
                    c->go_ns.store(go == 0 ? -1 : go, std::memory_order_release);
                }
            }
        }
        const std::int64_t now = mono_ns();
        if (go != 0 && pairs_like) {
            if (!begin && now >= go + warmup) begin = Mark::now();
            if (!end && now >= go + warmup + duration) end = Mark::now();
        }
        if (go != 0 && options.scenario == Scenario::storm && !begin && now >= go) {
            begin = Mark::now();
        }
        if (all_done) break;
    }
    if (!end) end = Mark::now();
    if (!begin) begin = process_start;
    for (auto& t : threads) t.join();

    Result merged;
    merged.first_start_ns = 0;
    for (auto& c : controls) merged.merge(c->result);
    merged.cpu.clear();
    merged.cpu.push_back(between(*begin, *end));
    return merged;
}

}  // namespace jim::bench
