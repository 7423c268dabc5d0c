#include "jim/net/ip_limiter.hpp"

#include <gtest/gtest.h>

namespace jim::net {
namespace {

const auto kA = boost::asio::ip::make_address("10.0.0.1");
const auto kB = boost::asio::ip::make_address("10.0.0.2");

TEST(IpLimiter, OffAdmitsEverythingWithoutTracking) {
    IpLimiter l({});
    EXPECT_FALSE(l.enabled());
    for (int i = 0; i < 100; ++i) {
        const auto a = l.admit(kA, 0);
        EXPECT_EQ(a.error, Errc::ok);
        EXPECT_EQ(a.entry, 0u);
    }
    EXPECT_EQ(l.tracked(), 0u);
}

TEST(IpLimiter, ConnectionsPerAddressAreCappedAndReleased) {
    IpLimiter l({2, 0});
    const auto a1 = l.admit(kA, 0);
    const auto a2 = l.admit(kA, 0);
    ASSERT_EQ(a1.error, Errc::ok);
    ASSERT_EQ(a2.error, Errc::ok);
    EXPECT_EQ(a1.entry, a2.entry);
    EXPECT_EQ(l.admit(kA, 0).error, Errc::too_many_connections);
    EXPECT_EQ(l.admit(kB, 0).error, Errc::ok);  // another address has its own count
    l.release(a1.entry);
    EXPECT_EQ(l.admit(kA, 0).error, Errc::ok);
    EXPECT_EQ(l.tracked(), 2u);
}

TEST(IpLimiter, EntriesGoWhenTheLastConnectionEndsWithoutARateLimit) {
    IpLimiter l({1, 0});
    const auto a = l.admit(kA, 0);
    EXPECT_EQ(l.tracked(), 1u);
    l.release(a.entry);
    EXPECT_EQ(l.tracked(), 0u);
    l.release(0);  // ignored
}

TEST(IpLimiter, NewConnectionsPerSecondIsATokenBucket) {
    IpLimiter l({0, 3});
    std::int64_t now = 1'000'000;
    for (int i = 0; i < 3; ++i) {
        const auto a = l.admit(kA, now);
        ASSERT_EQ(a.error, Errc::ok) << i;
        l.release(a.entry);  // short connections still spend the bucket
    }
    EXPECT_EQ(l.admit(kA, now).error, Errc::connection_rate);
    EXPECT_EQ(l.admit(kB, now).error, Errc::ok);
    now += 333;  // 0.999 of a token: still refused
    EXPECT_EQ(l.admit(kA, now).error, Errc::connection_rate);
    now += 1;  // one token back
    EXPECT_EQ(l.admit(kA, now).error, Errc::ok);
    EXPECT_EQ(l.admit(kA, now).error, Errc::connection_rate);
}

TEST(IpLimiter, RateEntriesAreSweptOnceTheirBucketIsFull) {
    IpLimiter l({0, 2});
    const auto a = l.admit(kA, 0);
    l.release(a.entry);
    EXPECT_EQ(l.tracked(), 1u);  // its bucket is not full yet
    (void)l.admit(kB, 1100);     // an admit more than a second later sweeps
    EXPECT_EQ(l.tracked(), 1u);  // A is gone; B holds a connection
}

TEST(IpLimiter, Ipv4MappedIpv6IsTheSameAddress) {
    IpLimiter l({1, 0});
    ASSERT_EQ(l.admit(kA, 0).error, Errc::ok);
    EXPECT_EQ(l.admit(boost::asio::ip::make_address("::ffff:10.0.0.1"), 0).error,
              Errc::too_many_connections);
}

}  // namespace
}  // namespace jim::net
