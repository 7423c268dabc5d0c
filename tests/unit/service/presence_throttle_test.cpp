// The rate limit of large-group presence counts: one at once, the rest folded into one per
// interval, and nothing lost at the end of a burst.
#include <gtest/gtest.h>

#include "jim/service/presence_throttle.hpp"

namespace jim::service {
namespace {

using Groups = std::vector<std::string>;

TEST(PresenceThrottle, FirstChangeSendsAtOnceAndABurstFoldsIntoOneLaterSend) {
    PresenceThrottle t(1000);
    EXPECT_TRUE(t.changed("g", 10'000));
    EXPECT_FALSE(t.changed("g", 10'100));
    EXPECT_FALSE(t.changed("g", 10'900));
    EXPECT_TRUE(t.changed("h", 10'900));  // per group
    EXPECT_EQ(t.take_due(10'999), Groups{});
    EXPECT_EQ(t.take_due(11'000), Groups{"g"});  // the burst's last state goes out once
    EXPECT_EQ(t.take_due(11'500), Groups{});
    EXPECT_FALSE(t.changed("g", 11'200));  // within the interval after that send
    EXPECT_EQ(t.take_due(12'000), Groups{"g"});
}

TEST(PresenceThrottle, AChangeAfterAQuietIntervalSendsAtOnceAndQuietGroupsAreForgotten) {
    PresenceThrottle t(1000);
    EXPECT_TRUE(t.changed("g", 0));
    EXPECT_FALSE(t.changed("g", 500));
    EXPECT_TRUE(t.changed("g", 1500));  // the interval passed: now, and the pending is covered
    EXPECT_EQ(t.take_due(1600), Groups{});
    EXPECT_EQ(t.tracked(), 1u);
    EXPECT_EQ(t.take_due(2600), Groups{});  // quiet for an interval: forgotten
    EXPECT_EQ(t.tracked(), 0u);
    EXPECT_TRUE(t.changed("g", 2700));
}

}  // namespace
}  // namespace jim::service
