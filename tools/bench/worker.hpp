#pragma once
// One event-loop thread's part of a scenario: its users' connections, logins, chat traffic and
// counters. A process runs Options::threads workers; a pair of users always lives on one worker,
// so the closed loop (receipt by the partner releases the sender's next message) never crosses
// threads.
// Thread: the Worker runs on its own thread; it meets its process driver only through
// ThreadControl.

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "loop.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace jim::bench {

// A worker's users: [first, first + count) by global index (a value type); pairs are (2k, 2k + 1),
// so first and count are even in pairs and latency.
struct Share {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

// The rendezvous between a worker thread and its process driver. Thread: any. Plain members
// are written by the worker before it releases `done` and read by the driver after acquiring it.
struct ThreadControl {
    std::atomic<std::int64_t> go_ns{0};  // driver -> worker: start (idle: finish) at this time
    std::atomic<bool> abort{false};      // driver -> worker: give up now
    std::atomic<bool> ready{false};      // worker -> driver: every user is logged in
    std::atomic<std::int64_t> ready_ns{0};
    std::atomic<bool> done{false};
    // Progress, published once per loop pass.
    std::atomic<std::uint64_t> logged_in{0};  // logged in right now
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> errors{0};
    Result result;
};

// One worker thread's users and their scenario logic (see the file comment). Thread: its own
// thread only.
class Worker final : public LoopHandler {
  public:
    Worker(const Options& options, const Protocol& protocol, Share share, std::int64_t start_ns,
           unsigned workers_in_run, ThreadControl& control);

    // The thread body. Never throws: failures end up in control.result.
    void run();

    // User id of a global index: "<prefix>-<7 digits>" (fixed width, so a chat template can be
    // patched in place).
    static std::string user_id(const std::string& prefix, std::uint32_t index);

  private:
    void run_scenario();
    bool connect_all(std::int64_t deadline, double rate_per_s);
    bool connect_first(std::uint32_t n, std::int64_t deadline, double rate_per_s);
    void start_connect(Conn& c);
    std::int64_t wait_go();
    void run_pairs(std::int64_t go);
    void run_fanout(std::int64_t go);
    bool enroll_offline_members(std::int64_t deadline);
    void finish_login(Conn& c);
    void on_group_push(Conn& receiver, std::string_view body);
    void run_storm(std::int64_t go);
    void publish();
    void build_chat_template();
    void send_chat(Conn& sender);
    // --msg-rate: tops every sender up to the messages due since `start`, -w in flight at most.
    void pace(std::int64_t start);
    void on_push(Conn& receiver, std::string_view body);
    void on_ack(std::string_view body);
    void on_login_reply(Conn& c, std::string_view body);
    bool sends(const Conn& c) const noexcept {
        return options_.both_directions() || (c.local & 1u) == 0;
    }
    // The user a connection logs in as: its global index, or an offline member while
    // enrolling (fanout).
    std::uint32_t global(const Conn& c) const noexcept { return base_ + c.local; }
    bool fanout() const noexcept { return options_.scenario == Scenario::fanout; }

    // LoopHandler
    void on_connected(Conn& c) override;
    void on_frame(Conn& c, const InFrame& f) override;
    void on_closed(Conn& c, int err) override;
    void before_write(Conn& c) override;

    const Options& options_;
    Share share_;
    std::uint32_t base_ = 0;  // global index of conns[0]'s user (share_.first but when enrolling)
    std::int64_t start_ns_;
    ThreadControl& control_;
    Loop loop_;
    Result result_;
    sockaddr_in server_{};
    sockaddr_in server2_{};  // --port2: where odd-numbered users connect
    std::vector<sockaddr_in> sources_;
    unsigned workers_in_run_ = 1;
    std::uint32_t max_pending_ = 1;

    // Connect phase.
    bool connecting_ = false;
    bool record_connects_ = false;  // histogram of connect -> login answer
    std::int64_t drop_ns_ = 0;      // storm: reconnect times count from the drop
    std::vector<std::uint32_t> retry_;
    std::uint32_t next_ = 0;
    std::uint32_t started_ = 0;
    std::uint32_t pending_ = 0;
    std::uint32_t logged_ = 0;
    std::uint32_t failed_ = 0;
    std::uint64_t online_ = 0;  // logged in right now (progress)

    // Chat phase.
    std::string chat_;  // one complete chat frame; patched per message
    std::size_t to_at_ = 0, seq_at_ = 0, ts_at_ = 0, from_at_ = 0;
    bool sending_ = false;
    std::int64_t window_begin_ = 0;
    std::int64_t window_end_ = 0;
    std::uint64_t inflight_ = 0;
    std::int64_t last_push_ns_ = 0;  // fanout: when this worker last received a push
};

}  // namespace jim::bench
