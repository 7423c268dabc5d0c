// The hiredis-on-Asio link against a real redis-server: pipelining, order, large replies,
// Redis absent at start, killed and restarted under load, pub/sub renewal.
#include "jim/redis/link.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <future>
#include <thread>

#include "support/redis_server.hpp"

namespace jim::redis {
namespace {

using namespace std::chrono_literals;

// An io_context on its own thread; the test talks to the link only through run().
class Loop {
  public:
    Loop() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    ~Loop() {
        run([this] { link_.reset(); });
        guard_.reset();
        io_.stop();
        thread_.join();
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    template <class F>
    auto run(F f) -> decltype(f()) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        boost::asio::post(io_, [&task] { task(); });
        if (result.wait_for(30s) != std::future_status::ready) throw std::runtime_error("hung");
        return result.get();
    }

    // `before_start` runs on the loop before the link starts connecting (handlers set later
    // could miss a connection that completes first).
    Link& open(std::uint16_t port, std::chrono::milliseconds ping = 0ms,
               const std::function<void(Link&)>& before_start = {}) {
        LinkOptions o;
        o.endpoint.port = port;
        o.backoff_max = 200ms;
        o.ping_interval = ping;
        run([&] {
            link_ = std::make_unique<Link>(io_, o);
            if (before_start) before_start(*link_);
            link_->start();
        });
        return *link_;
    }

    // Polls `pred` on the loop's thread until it holds (false after the deadline).
    template <class P>
    bool eventually(P pred, std::chrono::milliseconds limit = 10s) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!run(pred)) {
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::unique_ptr<Link> link_;
    std::thread thread_;
};

TEST(RedisEndpoint, ParsesUrlsAndRefusesWhatItCannotServe) {
    auto e = parse_endpoint("redis://10.0.0.1:6380");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->host, "10.0.0.1");
    EXPECT_EQ(e->port, 6380);
    e = parse_endpoint("localhost");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->port, 6379);
    EXPECT_EQ(parse_endpoint("redis://h:6379/")->host, "h");
    for (const char* bad :
         {"", "redis://", "h:0", "h:65536", "h:x", ":1", "redis://u:p@h:1", "redis://h:1/2"}) {
        EXPECT_FALSE(parse_endpoint(bad)) << bad;
    }
}

TEST(RedisLink, PipelinedCommandsAnswerInOrder) {
    testing::RedisServer server;
    Loop loop;
    Link& link = loop.open(server.port());
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    std::vector<std::int64_t> got;
    loop.run([&] {
        for (int i = 0; i < 2000; ++i) {
            link.command({"INCR", "counter"},
                         [&](Reply r) { got.push_back(r.integer().value_or(-1)); });
        }
    });
    ASSERT_TRUE(loop.eventually([&] { return got.size() == 2000; }));
    for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(link.stats().failed_commands.load(), 0u);
}

// 32 MB of commands in one pass: past the high-water mark the link holds them, and hands them
// to hiredis as the buffer drains. Every one is answered, in order; then a kill answers what is
// still held exactly once.
TEST(RedisLink, ABurstBeyondTheHighWaterMarkIsHeldAndAnsweredInOrder) {
    testing::RedisServer server;
    Loop loop;
    Link& link = loop.open(server.port());
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    const std::string value(8192, 'v');
    constexpr int kCommands = 4000;
    std::vector<int> order;
    int ok = 0;
    const std::size_t held = loop.run([&] {
        for (int i = 0; i < kCommands; ++i) {
            const std::string key = "k" + std::to_string(i % 16);
            link.command({"SET", key, value}, [&, i](Reply r) {
                order.push_back(i);
                if (r.ok()) ++ok;
            });
        }
        return link.held();
    });
    EXPECT_GT(held, 0u);
    EXPECT_LT(held, static_cast<std::size_t>(kCommands));
    ASSERT_TRUE(loop.eventually([&] { return order.size() == kCommands; }, 30s));
    EXPECT_EQ(ok, kCommands);
    for (int i = 0; i < kCommands; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(loop.run([&] { return link.held(); }), 0u);

    // Held again, then Redis dies: every callback runs once, the held ones with `none`.
    order.clear();
    ok = 0;
    loop.run([&] {
        for (int i = 0; i < kCommands; ++i) {
            link.command({"SET", "x", value}, [&, i](Reply r) {
                order.push_back(i);
                if (r.ok()) ++ok;
            });
        }
    });
    server.kill();
    ASSERT_TRUE(loop.eventually([&] { return order.size() == kCommands; }, 30s));
    for (int i = 0; i < kCommands; ++i) ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
    EXPECT_LT(ok, kCommands);
}

TEST(RedisLink, LargeRepliesAndArraysArriveWhole) {
    testing::RedisServer server;
    Loop loop;
    Link& link = loop.open(server.port());
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    std::string big(3 << 20, 'x');  // far more than one 16 KiB hiredis read
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
    std::string back;
    std::vector<std::string> list;
    bool done = false;
    loop.run([&] {
        link.command({"SET", "big", big}, {});
        link.command({"GET", "big"}, [&](Reply r) { back = std::string(r.str()); });
        link.command({"RPUSH", "l", "a", "", "c"}, {});
        link.command({"LRANGE", "l", "0", "-1"}, [&](Reply r) {
            for (std::size_t i = 0; i < r.size(); ++i) list.emplace_back(r.at(i).str());
        });
        link.command({"GET", "missing"}, [&](Reply r) { done = r.is_nil(); });
    });
    ASSERT_TRUE(loop.eventually([&] { return done; }));
    EXPECT_TRUE(back == big);
    EXPECT_EQ(list, (std::vector<std::string>{"a", "", "c"}));
    bool error_seen = false;
    loop.run([&] {
        link.command({"NOSUCHCOMMAND"}, [&](Reply r) {
            error_seen = r.type() == Reply::Type::error && !r.ok() && !r.str().empty();
        });
    });
    EXPECT_TRUE(loop.eventually([&] { return error_seen; }));
}

// Replies far larger than one read pass (64 reads of 16 KiB) make the link continue a pass
// through a posted handler. Each continuation once left one more readiness wait pending, and
// every later reply then woke all of them: a cluster node's subscriber link spun on EAGAIN reads
// after a heavy run. Afterwards one small reply must still cost about one wake-up.
TEST(RedisLink, LongReadPassesLeaveOneReadinessWaitBehind) {
    testing::RedisServer server;
    Loop loop;
    Link& link = loop.open(server.port());
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    const std::string big(3 << 20, 'x');
    int answered = 0;
    constexpr int kGets = 6;  // 18 MiB of replies: many continued passes
    loop.run([&] {
        link.command({"SET", "big", big}, {});
        for (int i = 0; i < kGets; ++i) {
            link.command({"GET", "big"},
                         [&](Reply r) { answered += r.str().size() == big.size(); });
        }
    });
    ASSERT_TRUE(loop.eventually([&] { return answered == kGets; }, 30s));

    constexpr int kPings = 200;
    int pongs = 0;
    std::function<void()> ping = [&] {
        link.command({"PING"}, [&](Reply r) {
            if (r.ok() && ++pongs < kPings) ping();
        });
    };
    const auto before = link.stats().read_wakeups.load();
    loop.run(ping);
    ASSERT_TRUE(loop.eventually([&] { return pongs == kPings; }));
    const auto wakeups = link.stats().read_wakeups.load() - before;
    EXPECT_GE(wakeups, static_cast<std::uint64_t>(kPings) / 2);  // the counter counts
    EXPECT_LE(wakeups, static_cast<std::uint64_t>(kPings) * 2) << "woken for nothing";
}

TEST(RedisLink, DownAtStartFailsFastThenConnectsWhenRedisAppears) {
    testing::RedisServer server;
    server.kill();
    Loop loop;
    Link& link = loop.open(server.port());
    ASSERT_TRUE(loop.eventually([&] { return link.stats().connect_failures.load() >= 2; }));
    bool answered = false;
    bool none = false;
    loop.run([&] {
        link.command({"PING"}, [&](Reply r) {
            answered = true;
            none = r.type() == Reply::Type::none;
        });
    });
    EXPECT_TRUE(answered);  // synchronously, while down
    EXPECT_TRUE(none);
    EXPECT_NE(link.state(), LinkState::up);
    server.start();
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    std::string pong;
    loop.run([&] { link.command({"PING"}, [&](Reply r) { pong = std::string(r.str()); }); });
    EXPECT_TRUE(loop.eventually([&] { return pong == "PONG"; }));
}

TEST(RedisLink, KilledUnderLoadEveryCallbackRunsOnceThenItReconnects) {
    testing::RedisServer server;
    Loop loop;
    int ups = 0;
    int downs = 0;
    Link& link = loop.open(server.port(), 0ms, [&](Link& l) {
        l.on_up([&] { ++ups; });
        l.on_down([&] { ++downs; });
    });
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    std::uint64_t issued = 0;
    std::uint64_t answered = 0;
    std::uint64_t ok = 0;
    std::atomic<bool> stop{false};
    // A timer-free pump: each batch's last callback schedules the next batch.
    std::function<void()> batch;
    batch = [&] {
        if (stop) return;
        for (int i = 0; i < 500; ++i) {
            ++issued;
            const bool last = i == 499;
            link.command({"INCR", "n"}, [&, last](Reply r) {
                ++answered;
                if (r.ok()) ++ok;
                if (last && r.ok()) batch();  // a failed batch stops the pump
            });
        }
    };
    loop.run([&] { batch(); });
    ASSERT_TRUE(loop.eventually([&] { return ok > 5000; }));
    server.kill();
    ASSERT_TRUE(loop.eventually([&] { return downs == 1; }));
    // The pump stopped when a batch failed at once; everything issued was answered exactly once.
    EXPECT_TRUE(loop.eventually([&] { return answered == issued; }));
    const std::uint64_t ok_before_restart = loop.run([&] { return ok; });
    server.start();
    ASSERT_TRUE(loop.eventually([&] { return ups == 2 && link.up(); }))
        << "ups " << loop.run([&] { return ups; }) << ", downs " << loop.run([&] { return downs; })
        << ", state " << to_string(loop.run([&] { return link.state(); })) << ", connect failures "
        << link.stats().connect_failures.load();
    loop.run([&] { batch(); });
    EXPECT_TRUE(loop.eventually([&] { return ok > ok_before_restart + 1000; }));
    stop = true;
    EXPECT_TRUE(loop.eventually([&] { return answered == issued; }));
    EXPECT_GE(link.stats().connects.load(), 2u);
}

TEST(RedisLink, SubscriberRenewsItsSubscriptionAfterARestart) {
    testing::RedisServer server;
    Loop sub_loop;
    Loop pub_loop;
    Link& sub = sub_loop.open(server.port());
    Link& pub = pub_loop.open(server.port());
    std::vector<std::string> got;
    sub_loop.run([&] {
        sub.set_message_handler([&](std::string_view channel, std::string_view payload) {
            got.push_back(std::string(channel) + "=" + std::string(payload));
        });
        sub.subscribe("node.a");
    });
    const auto publish_until_received = [&](const std::string& payload) {
        return sub_loop.eventually([&] {
            if (std::find(got.begin(), got.end(), "node.a=" + payload) != got.end()) return true;
            pub_loop.run([&] { pub.command({"PUBLISH", "node.a", payload}, {}); });
            return false;
        });
    };
    EXPECT_TRUE(publish_until_received("one"));
    server.kill();
    server.start();
    EXPECT_TRUE(publish_until_received("two"));
    EXPECT_GE(sub.stats().connects.load(), 2u);
}

TEST(RedisLink, AStoppedServerIsDetectedByPingAndCommandsFailInsteadOfHanging) {
    testing::RedisServer server;
    Loop loop;
    Link& link = loop.open(server.port(), 50ms);
    ASSERT_TRUE(loop.eventually([&] { return link.up(); }));
    // SIGSTOP: the socket stays open but nothing answers; only the PING watchdog notices.
    server.pause();
    bool answered = false;
    loop.run([&] { link.command({"SET", "k", "v"}, [&](Reply r) { answered = !r.ok(); }); });
    EXPECT_TRUE(loop.eventually([&] { return answered && !link.up(); }));
    server.resume();
    EXPECT_TRUE(loop.eventually([&] { return link.up(); }));
    EXPECT_EQ(link.stats().disconnects.load(), 1u);
}

}  // namespace
}  // namespace jim::redis
