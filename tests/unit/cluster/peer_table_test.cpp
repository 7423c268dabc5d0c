// The rules that keep a node's Directory an exact copy of its peers' presence: versions, gaps,
// snapshots racing announcements, restarts, goodbyes and leases.

#include "jim/cluster/peer_table.hpp"

#include <gtest/gtest.h>

namespace jim::cluster {
namespace {

using namespace std::chrono_literals;
using wire::Announcement;
using wire::AnnouncementKind;

Announcement presence(const std::string& node, std::uint64_t version,
                      std::vector<wire::PresenceEntry> entries, std::uint64_t incarnation = 1) {
    Announcement a;
    a.kind = AnnouncementKind::presence;
    a.node = node;
    a.incarnation = incarnation;
    a.version = version;
    a.presence = std::move(entries);
    return a;
}

Announcement plain(AnnouncementKind kind, const std::string& node, std::uint64_t version,
                   std::uint64_t incarnation = 1) {
    Announcement a;
    a.kind = kind;
    a.node = node;
    a.incarnation = incarnation;
    a.version = version;
    return a;
}

class PeerTableTest : public ::testing::Test {
  protected:
    Directory dir;
    PeerTable table{dir, "self", 3000ms};
    PeerTable::TimePoint t0 = PeerTable::TimePoint{} + 1h;
};

TEST_F(PeerTableTest, ANewNodeIsReadFirstThenFollowedInOrder) {
    // The first word from a node asks for its snapshot; what arrives meanwhile is held.
    EXPECT_TRUE(table.announce(presence("b", 5, {{"bob", 1}}), t0));
    EXPECT_EQ(dir.sessions("bob"), 0u);
    EXPECT_FALSE(table.announce(presence("b", 6, {{"carol", 2}}), t0));
    // The snapshot was read at version 5 (bob already in it); version 6 is applied after it.
    EXPECT_FALSE(table.snapshot("b", 1, 5, {{"bob", 1}, {"dave", 1}}, t0));
    EXPECT_EQ(dir.sessions("bob"), 1u);
    EXPECT_EQ(dir.sessions("carol"), 2u);
    EXPECT_EQ(dir.sessions("dave"), 1u);
    // Next in order applies; an old one is ignored.
    EXPECT_FALSE(table.announce(presence("b", 7, {{"bob", 0}}), t0));
    EXPECT_EQ(dir.sessions("bob"), 0u);
    EXPECT_FALSE(table.announce(presence("b", 6, {{"bob", 3}}), t0));
    EXPECT_EQ(dir.sessions("bob"), 0u);
}

TEST_F(PeerTableTest, AGapAsksForASnapshotOnce) {
    ASSERT_TRUE(table.announce(presence("b", 1, {}), t0));
    table.snapshot("b", 1, 1, {}, t0);
    EXPECT_TRUE(table.announce(presence("b", 3, {{"x", 1}}), t0));   // 2 was missed
    EXPECT_FALSE(table.announce(presence("b", 4, {{"y", 1}}), t0));  // already asked
    EXPECT_FALSE(table.snapshot("b", 1, 3, {{"x", 1}}, t0));
    EXPECT_EQ(dir.sessions("x"), 1u);
    EXPECT_EQ(dir.sessions("y"), 1u);  // held, then applied after the snapshot
}

TEST_F(PeerTableTest, AHeartbeatAheadOfWhatWasAppliedAsksForASnapshot) {
    ASSERT_TRUE(table.announce(plain(AnnouncementKind::heartbeat, "b", 0), t0));
    table.snapshot("b", 1, 0, {}, t0);
    EXPECT_FALSE(table.announce(plain(AnnouncementKind::heartbeat, "b", 0), t0));
    EXPECT_TRUE(table.announce(plain(AnnouncementKind::heartbeat, "b", 2), t0));
}

TEST_F(PeerTableTest, ARestartedNodeIsForgottenAndReadAgain) {
    ASSERT_TRUE(table.announce(presence("b", 1, {}), t0));
    table.snapshot("b", 1, 1, {{"bob", 1}}, t0);
    EXPECT_EQ(dir.sessions("bob"), 1u);
    EXPECT_TRUE(table.announce(plain(AnnouncementKind::heartbeat, "b", 0, 2), t0));
    EXPECT_EQ(dir.sessions("bob"), 0u);  // the old incarnation's users are gone
}

TEST_F(PeerTableTest, ByeAndLeaseDropTheNodesUsers) {
    ASSERT_TRUE(table.announce(presence("b", 1, {}), t0));
    table.snapshot("b", 1, 1, {{"bob", 1}}, t0);
    ASSERT_TRUE(table.announce(presence("c", 1, {}), t0));
    table.snapshot("c", 1, 1, {{"bob", 2}, {"carol", 1}}, t0);
    EXPECT_EQ(dir.sessions("bob"), 3u);
    EXPECT_EQ(table.live(), 2u);

    table.announce(plain(AnnouncementKind::bye, "b", 1), t0);
    EXPECT_EQ(dir.sessions("bob"), 2u);
    EXPECT_EQ(table.live(), 1u);

    EXPECT_TRUE(table.expire(t0 + 2999ms).empty());
    table.announce(plain(AnnouncementKind::heartbeat, "c", 1), t0 + 2s);  // renews to t0+5s
    EXPECT_TRUE(table.expire(t0 + 4s).empty());
    EXPECT_EQ(table.expire(t0 + 5s), std::vector<std::string>{"c"});
    EXPECT_EQ(dir.sessions("bob"), 0u);
    EXPECT_EQ(dir.sessions("carol"), 0u);
    EXPECT_EQ(dir.users(), 0u);
}

TEST_F(PeerTableTest, ANodeWithoutKeysInRedisIsGone) {
    ASSERT_TRUE(table.announce(presence("b", 1, {{"bob", 1}}), t0));
    table.gone("b");
    EXPECT_EQ(table.live(), 0u);
    EXPECT_EQ(dir.sessions("bob"), 0u);
}

TEST_F(PeerTableTest, ASnapshotThatNeverCameIsAskedAgain) {
    ASSERT_TRUE(table.announce(presence("b", 1, {}), t0));
    EXPECT_TRUE(table.stale_snapshots(t0 + 1s).empty());
    EXPECT_EQ(table.stale_snapshots(t0 + 2s), std::vector<std::string>{"b"});
}

TEST_F(PeerTableTest, ItsOwnAnnouncementsAreIgnored) {
    EXPECT_FALSE(table.announce(presence("self", 1, {{"me", 1}}), t0));
    EXPECT_EQ(dir.sessions("me"), 0u);
    EXPECT_EQ(table.live(), 0u);
}

TEST(Directory, CountsPerNodeAndClears) {
    Directory d;
    d.set(0, "u", 2);
    d.set(1, "u", 1);
    d.set(1, "v", 1);
    EXPECT_EQ(d.sessions("u"), 3u);
    std::vector<NodeSessions> nodes;
    d.nodes_of("u", nodes);
    EXPECT_EQ(nodes.size(), 2u);
    d.set(0, "u", 0);
    EXPECT_EQ(d.sessions("u"), 1u);
    d.clear_node(1);
    EXPECT_EQ(d.users(), 0u);
}

}  // namespace
}  // namespace jim::cluster
