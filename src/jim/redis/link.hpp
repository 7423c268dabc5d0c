#pragma once
// Link: one connection to a Redis server through hiredis's asynchronous API, driven by an Asio
// io_context (the thread that runs it is the link's only thread). It reconnects forever with
// exponential backoff and never throws or aborts because Redis is away: while it is down,
// commands fail at once with a `none` reply and state() says so (for health and metrics).
//
// Pipelining comes for free: commands issued during one pass of the io_context are appended to
// hiredis's output buffer and written together by one posted write; replies are read in bulk.
// When Redis reads slower than commands come, the link holds new commands itself once hiredis
// has kOutputHighWater bytes unwritten, and hands them over as the buffer drains: hiredis moves
// its whole unwritten buffer to the front after every partial write, so an unbounded buffer
// costs quadratic copying (measured: 12.5% of a server's CPU with the redis store).
//
// Contracts:
// - Callbacks run on the io_context thread, in the order the commands were issued, exactly once.
//   A `none` reply means the outcome is unknown (never sent, or the link was lost while the
//   command was in flight): the caller decides whether to retry.
// - A command issued while the link is not up fails immediately (synchronously).
// - The link is up once a new connection has answered PING (a stopped server's kernel still
//   accepts TCP connections).
// - on_up runs each time a connection is established (scripts, subscriptions and the like are
//   per connection); on_down each time one is lost, after the in-flight callbacks have run.
// - A subscriber link (subscribe()) carries nothing but its subscriptions, which it renews after
//   every reconnect; messages go to the message handler.
//
// Role: the Redis client of the store's redis engine and of the cluster.
// Owner: whoever created it; destroy it on its io_context's thread (or after that stopped):
// in-flight callbacks then run with a `none` reply.
// Thread: owning io_context only, except state() and stats() (any).

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jim/redis/endpoint.hpp"
#include "jim/redis/link_state.hpp"
#include "jim/redis/reply.hpp"

struct redisAsyncContext;

namespace jim::redis {

struct LinkOptions {
    Endpoint endpoint;
    std::string name = "redis";  // in log lines
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds backoff_min{50};  // first retry; doubles per failure
    std::chrono::milliseconds backoff_max{2000};
    // A command link PINGs at this interval when idle and drops a connection whose PING is
    // unanswered for three intervals (a hung or stopped server). 0: never.
    std::chrono::milliseconds ping_interval{1000};
};

// Counters for health and metrics. Thread: any (relaxed atomics).
struct LinkStats {
    std::atomic<LinkState> state{LinkState::down};
    std::atomic<std::uint64_t> connects{0};  // connections established
    std::atomic<std::uint64_t> connect_failures{0};
    std::atomic<std::uint64_t> disconnects{0};      // established connections lost
    std::atomic<std::uint64_t> failed_commands{0};  // answered with `none`
    // Read-readiness waits that completed (each starts a read pass): about one per burst of
    // replies; many more than replies would mean the link wakes for nothing.
    std::atomic<std::uint64_t> read_wakeups{0};
};

class Link {
  public:
    using Callback = std::function<void(Reply)>;
    using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;

    Link(boost::asio::io_context& io, LinkOptions options);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Starts connecting (and reconnecting whenever the connection is lost).
    void start();

    void command(std::span<const std::string_view> args, Callback done);
    // Bytes of hiredis's output buffer above which commands wait in the link.
    static constexpr std::size_t kOutputHighWater = 256 * 1024;
    void command(std::initializer_list<std::string_view> args, Callback done) {
        command(std::span<const std::string_view>(args.begin(), args.size()), std::move(done));
    }

    void on_up(std::function<void()> f) { on_up_ = std::move(f); }
    void on_down(std::function<void()> f) { on_down_ = std::move(f); }

    // Makes this a subscriber link: SUBSCRIBE now if up, and again after every reconnect.
    void subscribe(const std::string& channel);
    void set_message_handler(MessageHandler handler) { on_message_ = std::move(handler); }

    LinkState state() const { return stats_.state.load(std::memory_order_relaxed); }
    // Commands waiting for hiredis's output buffer to drain (owning thread).
    std::size_t held() const { return held_.size(); }
    bool up() const { return state() == LinkState::up; }
    const LinkStats& stats() const { return stats_; }
    const LinkOptions& options() const { return options_; }

  private:
    struct Watch;  // the socket's readiness waits, shared with pending handlers
    static void on_connect(const redisAsyncContext* ac, int status);
    static void on_disconnect(const redisAsyncContext* ac, int status);
    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_subscription(redisAsyncContext* ac, void* reply, void* privdata);

    void send(std::span<const std::string_view> args, Callback done);
    void send(std::initializer_list<std::string_view> args, Callback done) {
        send(std::span<const std::string_view>(args.begin(), args.size()), std::move(done));
    }
    void connect();
    void connected();
    void lost(bool was_up);
    void schedule_retry();
    void send_subscribe(const std::string& channel);
    void ping_tick();
    std::size_t unwritten() const;
    // Hands held commands to hiredis while its buffer is below the high-water mark (after each
    // write); fail_held() answers them all with `none` (the link is lost or destroyed).
    void release_held();
    void fail_held();

    boost::asio::io_context& io_;
    const LinkOptions options_;
    LinkStats stats_;
    redisAsyncContext* ac_ = nullptr;
    std::shared_ptr<Watch> watch_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer connect_timer_;
    boost::asio::steady_timer ping_timer_;
    std::chrono::milliseconds backoff_;
    int unanswered_pings_ = 0;
    bool started_ = false;
    bool closing_ = false;  // in the destructor: no reconnect, no callbacks to owners
    std::set<std::string> channels_;
    struct Held {
        std::vector<std::string> args;
        Callback done;
    };
    std::deque<Held> held_;  // commands waiting for hiredis's buffer to drain, in order
    std::function<void()> on_up_;
    std::function<void()> on_down_;
    MessageHandler on_message_;
};

}  // namespace jim::redis
