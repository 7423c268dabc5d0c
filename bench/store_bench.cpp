// Appends per second through MessageStore, per engine and durability mode, with 1, 64 or 1024
// appends in flight. With 1 in flight every append is its own commit (one log write, one fsync
// under sync=machine); with more the worker commits whatever queued meanwhile as one batch, and
// the "batch" counter reports appends per commit. 1024 in flight keeps the worker saturated: its
// rate is the store's capacity rather than the hand-off latency between two threads. Each run opens
// a fresh database under $TMPDIR (or /tmp): the disk under it decides the sync=machine numbers.
// The redis engine runs against a redis-server the benchmark starts on a loopback port
// (appendonly yes, appendfsync everysec: sync=process), a fresh key prefix per run; "batch" is
// then appends per pipelined write.
//
//   ./build/bench/store_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <semaphore>
#include <string>
#include <vector>

#include "jim/store/message_store.hpp"
#include "support/redis_server.hpp"

namespace {

using jim::store::AppendRequest;
using jim::store::AppendResult;

constexpr int kConversations = 100;
constexpr std::int64_t kT0 = 1'700'000'000'000;

// A fresh directory, removed with its contents at the end of the run.
class ScratchDir {
  public:
    ScratchDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/jim-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// prefix + decimal n. (Spelled out: `"x" + std::to_string(n)` trips a GCC 12 -Wrestrict false
// positive at -O3.)
std::string numbered(const char* prefix, std::uint64_t n) {
    std::string s = prefix;
    s += std::to_string(n);
    return s;
}

// A ~210-byte ChatBody as the service would hand it over (without "seq").
std::string chat_body(std::uint64_t n) {
    std::string body = R"({"from":"user-0042","to":"group-7","cmd":11,"chatType":1,"msgType":0,)"
                       R"("createTime":1700000000000,"id":"5f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f",)"
                       R"("content":"hello, this is message number )";
    body += std::to_string(n);
    body += R"( of the store benchmark"})";
    return body;
}

void append_throughput(benchmark::State& state, const char* engine, const char* sync) {
    const auto in_flight = static_cast<std::ptrdiff_t>(state.range(0));
    ScratchDir dir;
    jim::store::StoreOptions options;
    options.engine = engine;
    options.sync = sync;
    options.path = dir.path() + "/db";
    if (options.engine == "redis") {
        static jim::testing::RedisServer redis;  // one for the whole run, stopped at exit
        static int runs = 0;
        options.redis = redis.url();
        options.redis_prefix = numbered("bench", static_cast<std::uint64_t>(++runs));
    }
    auto store = jim::store::open_store(options);
    std::vector<std::string> conversations;
    for (int i = 0; i < kConversations; ++i) {
        conversations.push_back(
            jim::store::group_conversation(numbered("g", static_cast<std::uint64_t>(i))));
    }
    std::counting_semaphore<1024> slots(in_flight);
    const auto on_done = [&slots](AppendResult r) {
        if (r.error != jim::Errc::ok) std::abort();
        slots.release();
    };

    std::uint64_t n = 0;
    for (auto _ : state) {
        slots.acquire();
        AppendRequest r;
        r.conversation = conversations[n % kConversations];
        r.sender = "user-0042";
        r.client_msg_id = numbered("c", n);  // exercises the idempotency lookup
        r.id = numbered("m", n);
        r.create_time = kT0 + static_cast<std::int64_t>(n);
        r.body = chat_body(n);
        store->append(std::move(r), on_done);
        ++n;
    }
    store->drain();
    const jim::store::StoreStats st = store->stats();
    state.SetItemsProcessed(state.iterations());
    state.counters["batch"] =
        st.commits == 0 ? 0.0 : static_cast<double>(st.appends) / static_cast<double>(st.commits);
}

// Real time: the work happens on the store's thread, not the benchmark's.
BENCHMARK_CAPTURE(append_throughput, memory, "memory", "process")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->UseRealTime();
BENCHMARK_CAPTURE(append_throughput, rocksdb_process, "rocksdb", "process")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->UseRealTime();
BENCHMARK_CAPTURE(append_throughput, redis_process, "redis", "process")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->UseRealTime();
BENCHMARK_CAPTURE(append_throughput, rocksdb_machine, "rocksdb", "machine")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->UseRealTime();

}  // namespace
