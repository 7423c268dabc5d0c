// The cluster's payloads: golden bytes, round trips, and every truncation refused.

#include "jim/cluster/wire.hpp"

#include <gtest/gtest.h>

namespace jim::cluster::wire {
namespace {

using namespace std::string_literals;

TEST(ClusterWire, DeliveryGoldenBytes) {
    std::string out;
    append_delivery(out, DeliveryKind::user, "bob", 11, "{}");
    EXPECT_EQ(out, "U\x03\0\0\0bob\x0b\x02\0\0\0{}"s);
}

TEST(ClusterWire, DeliveriesRoundTrip) {
    std::string out;
    append_delivery(out, DeliveryKind::user, "bob", 11, R"({"content":"hi"})");
    append_delivery(out, DeliveryKind::group, "g1", 9, "");
    append_delivery(out, DeliveryKind::close, "carol", 7, "");
    const auto d = decode_deliveries(out);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->size(), 3u);
    EXPECT_EQ((*d)[0].kind, DeliveryKind::user);
    EXPECT_EQ((*d)[0].target, "bob");
    EXPECT_EQ((*d)[0].code, 11);
    EXPECT_EQ((*d)[0].body, R"({"content":"hi"})");
    EXPECT_EQ((*d)[1].kind, DeliveryKind::group);
    EXPECT_EQ((*d)[1].target, "g1");
    EXPECT_EQ((*d)[2].kind, DeliveryKind::close);
    EXPECT_EQ((*d)[2].code, 7);
    const auto empty = decode_deliveries("");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(ClusterWire, EveryTruncatedDeliveryPayloadIsRefused) {
    std::string out;
    append_delivery(out, DeliveryKind::user, "bob", 11, "body");
    append_delivery(out, DeliveryKind::group, "g", 11, "body2");
    const std::size_t first = 1 + 4 + 3 + 1 + 4 + 4;  // where the second record starts
    for (std::size_t n = 1; n < out.size(); ++n) {
        const auto d = decode_deliveries(std::string_view(out).substr(0, n));
        EXPECT_EQ(d.has_value(), n == first) << n;
    }
}

TEST(ClusterWire, UnknownDeliveryKindAndHugeLengthAreRefused) {
    std::string out;
    append_delivery(out, DeliveryKind::user, "bob", 11, "x");
    out[0] = 'Z';
    EXPECT_FALSE(decode_deliveries(out));
    EXPECT_FALSE(decode_deliveries("U\xff\xff\xff\xff"s));
}

TEST(ClusterWire, AnnouncementsRoundTrip) {
    Announcement p;
    p.kind = AnnouncementKind::presence;
    p.node = "n1";
    p.incarnation = 0x0123456789abcdefULL;
    p.version = 42;
    p.presence = {{"alice", 2}, {"bob", 0}};
    const auto dp = decode_announcement(encode(p));
    ASSERT_TRUE(dp);
    EXPECT_EQ(dp->kind, AnnouncementKind::presence);
    EXPECT_EQ(dp->node, "n1");
    EXPECT_EQ(dp->incarnation, p.incarnation);
    EXPECT_EQ(dp->version, 42u);
    ASSERT_EQ(dp->presence.size(), 2u);
    EXPECT_EQ(dp->presence[0].user, "alice");
    EXPECT_EQ(dp->presence[0].sessions, 2u);
    EXPECT_EQ(dp->presence[1].sessions, 0u);

    Announcement m;
    m.kind = AnnouncementKind::membership;
    m.node = "n2";
    m.membership = {{"g", "alice", true}, {"g", "bob", false}};
    const auto dm = decode_announcement(encode(m));
    ASSERT_TRUE(dm);
    ASSERT_EQ(dm->membership.size(), 2u);
    EXPECT_EQ(dm->membership[0].group, "g");
    EXPECT_TRUE(dm->membership[0].joined);
    EXPECT_EQ(dm->membership[1].user, "bob");
    EXPECT_FALSE(dm->membership[1].joined);

    Announcement k;
    k.kind = AnnouncementKind::bans;
    k.node = "n4";
    k.bans = {{"mallory", "spam", true}, {"bob", "", false}};
    const auto dk = decode_announcement(encode(k));
    ASSERT_TRUE(dk);
    ASSERT_EQ(dk->bans.size(), 2u);
    EXPECT_EQ(dk->bans[0].user, "mallory");
    EXPECT_EQ(dk->bans[0].reason, "spam");
    EXPECT_TRUE(dk->bans[0].banned);
    EXPECT_FALSE(dk->bans[1].banned);

    for (auto kind :
         {AnnouncementKind::heartbeat, AnnouncementKind::reset, AnnouncementKind::bye}) {
        Announcement h;
        h.kind = kind;
        h.node = "n3";
        h.version = 7;
        const auto dh = decode_announcement(encode(h));
        ASSERT_TRUE(dh);
        EXPECT_EQ(dh->kind, kind);
        EXPECT_EQ(dh->version, 7u);
    }
}

TEST(ClusterWire, EveryTruncatedOrExtendedAnnouncementIsRefused) {
    Announcement p;
    p.kind = AnnouncementKind::presence;
    p.node = "n1";
    p.version = 1;
    p.presence = {{"alice", 1}};
    const std::string bytes = encode(p);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(decode_announcement(std::string_view(bytes).substr(0, n))) << n;
    }
    EXPECT_FALSE(decode_announcement(bytes + "x"));
    Announcement anonymous = p;
    anonymous.node.clear();
    EXPECT_FALSE(decode_announcement(encode(anonymous)));
}

}  // namespace
}  // namespace jim::cluster::wire
