#include "jim/net/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "jim/net/connection.hpp"

namespace jim::net {
namespace {

std::vector<std::uint32_t> fired(TimerWheel& w, std::uint32_t until) {
    std::vector<std::uint32_t> out;
    w.advance(until, [&](const TimerWheel::Entry& e) { out.push_back(e.slot); });
    return out;
}

TEST(TimerWheel, FiresEntriesAtTheirTick) {
    TimerWheel w(8);
    w.schedule(1, 1, 3);
    w.schedule(2, 1, 5);
    EXPECT_TRUE(fired(w, 2).empty());
    EXPECT_EQ(fired(w, 3), std::vector<std::uint32_t>{1});
    EXPECT_EQ(fired(w, 10), std::vector<std::uint32_t>{2});
}

TEST(TimerWheel, ClampsBeyondTheHorizonAndIntoTheFuture) {
    TimerWheel w(8);
    EXPECT_EQ(w.schedule(1, 1, 100), 7u);  // horizon = now + buckets - 1
    EXPECT_EQ(w.schedule(2, 1, 0), 1u);    // never in the past
    EXPECT_EQ(fired(w, 1), std::vector<std::uint32_t>{2});
    EXPECT_EQ(fired(w, 7), std::vector<std::uint32_t>{1});
}

TEST(TimerWheel, VisitorMayReschedule) {
    TimerWheel w(4);
    w.schedule(1, 1, 2);
    int visits = 0;
    w.advance(20, [&](const TimerWheel::Entry& e) {
        ++visits;
        if (visits < 5) w.schedule(e.slot, e.generation, e.tick + 3);
    });
    EXPECT_EQ(visits, 5);
}

// The per-connection footprint is a stated target (ARCHITECTURE.md): keep an eye on it.
TEST(Connection, StaysSmall) {
    EXPECT_LE(sizeof(Connection), 168u) << "update ARCHITECTURE.md if this grows on purpose";
}

}  // namespace
}  // namespace jim::net
