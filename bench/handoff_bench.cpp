// The cost of handing a chat message to the store thread and its completion back to the
// network worker (P4: "the store never blocks a network worker; measure the handoff cost").
//
// The benchmark thread plays the worker: in rounds, it queues `in_flight` appends on a KvStore,
// then runs their completions as they come back through its io_context. The engine underneath does
// nothing (every write succeeds at once, reads find nothing), so what is measured is the pipeline
// alone: the AppendRequest crossing to the store thread, staging it (seq, body splice), the
// callback, and the trip home. Counters:
//   worker_ns  CPU time of the worker (benchmark) thread per message: building the request,
//              append(), and running the completion
//   total_ns   CPU time of the whole process per message (worker + store thread)
// `post_each` posts every completion to the io_context on its own (what the server did before
// net::PostQueue); `post_queue` hands them over through a PostQueue (one post per burst).
//
//   ./build/bench/handoff_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <string>

#include "jim/net/post_queue.hpp"
#include "jim/store/kv.hpp"
#include "jim/store/kv_store.hpp"

namespace {

using jim::store::AppendRequest;
using jim::store::AppendResult;
namespace detail = jim::store::detail;

class EmptyIterator final : public detail::KvIterator {
  public:
    void seek(std::string_view) override {}
    void seek_for_prev(std::string_view) override {}
    bool valid() const override { return false; }
    void next() override {}
    std::string_view key() const override { return {}; }
    std::string_view value() const override { return {}; }
    jim::Errc status() const override { return jim::Errc::ok; }
};

// Stores nothing: isolates the pipeline from any engine's cost.
class NullKv final : public detail::KvEngine {
  public:
    jim::Result<std::optional<std::string>> get(std::string_view) override {
        return std::optional<std::string>{};
    }
    std::unique_ptr<detail::KvIterator> iterator() override {
        return std::make_unique<EmptyIterator>();
    }
    jim::Errc write(const detail::KvBatch&) override { return jim::Errc::ok; }
};

double cpu_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// A ~200-byte ChatBody, as the service hands it over (without "seq").
const std::string kBody =
    R"({"from":"user-0042","to":"user-0043","cmd":11,"chatType":2,"msgType":0,)"
    R"("createTime":1700000000000,"id":"5f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f",)"
    R"("content":"hello, this is a message of the hand-off benchmark"})";

template <bool UseQueue>
void handoff(benchmark::State& state) {
    const auto in_flight = state.range(0);
    boost::asio::io_context io{1};  // as a Worker's
    jim::net::PostQueue queue(io);
    std::function<void(std::function<void()>)> post;
    if constexpr (UseQueue) {
        post = [&queue](std::function<void()> fn) { queue.post(std::move(fn)); };
    } else {
        post = [&io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); };
    }
    jim::store::StoreOptions options;
    auto store = std::make_unique<detail::KvStore>(std::make_unique<NullKv>(), options);
    const std::string conversation = jim::store::private_conversation("user-0042", "user-0043");

    // Rounds, as a worker sees them: a pass of reads hands `in_flight` messages to the store,
    // then the loop runs their completions as they come home.
    std::int64_t pending = 0;
    std::uint64_t done = 0;
    // The guard keeps run_one() waiting for completions instead of returning for lack of work.
    auto guard = boost::asio::make_work_guard(io);
    const auto complete_all = [&] {
        while (pending > 0) io.run_one();
    };
    const double worker0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    const double total0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (auto _ : state) {
        if (pending == in_flight) complete_all();
        AppendRequest r;
        r.conversation = conversation;
        r.sender = "user-0042";
        r.id = "5f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f";
        r.create_time = 1'700'000'000'000;
        r.body = kBody;
        ++pending;
        store->append(std::move(r), [&post, &pending, &done](AppendResult res) {
            post([&pending, &done, res = std::move(res)] {
                if (res.error != jim::Errc::ok) std::abort();
                --pending;
                ++done;
            });
        });
    }
    complete_all();
    const double messages = static_cast<double>(done);
    state.counters["worker_ns"] = (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - worker0) / messages;
    state.counters["total_ns"] = (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - total0) / messages;
    state.SetItemsProcessed(state.iterations());
    store.reset();
}

// Real time: the work is shared between this thread and the store's.
BENCHMARK_TEMPLATE(handoff, false)
    ->Name("handoff/post_each")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(1024)
    ->UseRealTime();
BENCHMARK_TEMPLATE(handoff, true)
    ->Name("handoff/post_queue")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(1024)
    ->UseRealTime();

}  // namespace
