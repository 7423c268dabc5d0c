// Conformance, part 2: offline inboxes and their cap, history expiry, profiles, memberships.
#include <limits>

#include "conformance.hpp"
#include "jim/base/clock.hpp"

namespace jim::store::test {
namespace {

class StoreInboxes : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreInboxes, kEngines, engine_name);

class StoreUsers : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreUsers, kEngines, engine_name);

constexpr std::int64_t kT0 = 1'700'000'000'000;

TEST_P(StoreInboxes, ReadDoesNotRemoveAndAckKeepsLaterEntries) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const std::string g = group_conversation("g");
    append(*s, message(ab, "alice", R"({"n":1})", kT0, {}, {"bob"}));
    append(*s, message(g, "carol", R"({"n":2})", kT0, {}, {"bob", "dave"}));
    append(*s, message(ab, "alice", R"({"n":3})", kT0));  // bob online: no inbox entry

    auto first = read_inbox(*s, "bob");
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].message.conversation, ab);
    EXPECT_EQ(first[0].message.body, R"({"n":1,"seq":1})");
    EXPECT_EQ(first[1].message.conversation, g);
    EXPECT_LT(first[0].inbox_seq, first[1].inbox_seq);
    EXPECT_EQ(read_inbox(*s, "bob").size(), 2u);  // reading removes nothing
    EXPECT_EQ(read_inbox(*s, "bob", 1).size(), 1u);

    // Arrives after the read: the ack of what was read must not remove it.
    append(*s, message(ab, "alice", R"({"n":4})", kT0, {}, {"bob"}));
    EXPECT_EQ(ack_inbox(*s, "bob", first.back().inbox_seq), Errc::ok);
    const auto rest = read_inbox(*s, "bob");
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].message.body, R"({"n":4,"seq":3})");
    EXPECT_GT(rest[0].inbox_seq, first.back().inbox_seq);
    EXPECT_EQ(read_inbox(*s, "dave").size(), 1u);  // inboxes are per user
    EXPECT_TRUE(read_inbox(*s, "nobody").empty());
    EXPECT_EQ(ack_inbox(*s, "nobody", 10), Errc::ok);
}

TEST_P(StoreInboxes, AckBeyondTheTailDoesNotSwallowLaterEntries) {
    auto s = open();
    const std::string c = private_conversation("alice", "bob");
    append(*s, message(c, "alice", "{}", kT0, {}, {"bob"}));
    EXPECT_EQ(ack_inbox(*s, "bob", std::numeric_limits<std::uint64_t>::max()), Errc::ok);
    EXPECT_TRUE(read_inbox(*s, "bob").empty());
    append(*s, message(c, "alice", "{}", kT0, {}, {"bob"}));
    const auto later = read_inbox(*s, "bob");
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0].inbox_seq, 2u);  // inbox_seq keeps increasing after the inbox emptied
    EXPECT_EQ(later[0].message.seq, 2u);
}

TEST_P(StoreInboxes, LargeAckRemovesEverythingUpToIt) {
    auto s = open();
    const std::string c = group_conversation("g");
    for (int i = 0; i < 600; ++i) s->append(message(c, "alice", "{}", kT0, {}, {"bob"}), {});
    s->drain();
    EXPECT_EQ(ack_inbox(*s, "bob", 590), Errc::ok);
    const auto rest = read_inbox(*s, "bob");
    ASSERT_EQ(rest.size(), 10u);
    EXPECT_EQ(rest.front().inbox_seq, 591u);
}

TEST_P(StoreInboxes, InboxMaxDropsTheOldestAndCountsThem) {
    StoreOptions o;
    o.inbox_max = 3;
    auto s = open(o);
    const std::string c = group_conversation("g");
    for (int i = 0; i < 5; ++i) append(*s, message(c, "alice", "{}", kT0, {}, {"bob", "carol"}));
    const auto bob = read_inbox(*s, "bob");
    EXPECT_EQ(message_seqs(bob), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ(bob.front().inbox_seq, 3u);
    EXPECT_EQ(s->stats().inbox_dropped, 4u);  // two for bob, two for carol
    EXPECT_EQ(history(*s, c).size(), 5u);     // history keeps them
    EXPECT_EQ(ack_inbox(*s, "bob", 4), Errc::ok);
    EXPECT_EQ(message_seqs(read_inbox(*s, "bob")), (std::vector<std::uint64_t>{5}));
}

// Appends queued together (one commit; one script call in the redis engine) with different
// recipient counts, conversations and client ids each land as if made one by one.
TEST_P(StoreInboxes, AppendsQueuedTogetherKeepEachOnesRecipientsAndResult) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const std::string g = group_conversation("g");
    constexpr int kAppends = 300;  // more than one redis batch (kMaxBatch)
    std::vector<AppendResult> results(kAppends);
    WorkerGate gate;
    gate.close(*s);
    for (int i = 0; i < kAppends; ++i) {
        std::vector<std::string> to;
        for (int r = 0; r < i % 3; ++r) to.push_back(r == 0 ? "bob" : "carol");
        const std::string cid = "c" + std::to_string(i % 150);  // the second half repeats
        s->append(message(i % 2 == 0 ? ab : g, "alice", R"({"i":)" + std::to_string(i) + "}",
                          kT0 + i, cid, std::move(to)),
                  [&results, i](AppendResult r) { results[static_cast<std::size_t>(i)] = r; });
    }
    gate.release();
    s->drain();
    std::size_t bob = 0, carol = 0;
    for (int i = 0; i < kAppends; ++i) {
        const AppendResult& r = results[static_cast<std::size_t>(i)];
        ASSERT_EQ(r.error, Errc::ok) << i;
        const bool repeat = i >= 150;
        EXPECT_EQ(r.duplicate, repeat) << i;
        const int first = repeat ? i - 150 : i;
        EXPECT_EQ(r.seq, static_cast<std::uint64_t>(first / 2 + 1)) << i;
        EXPECT_EQ(r.body, R"({"i":)" + std::to_string(first) + R"(,"seq":)" +
                              std::to_string(first / 2 + 1) + "}");
        if (!repeat) bob += i % 3 >= 1 ? 1 : 0;
        if (!repeat) carol += i % 3 == 2 ? 1 : 0;
    }
    EXPECT_EQ(read_inbox(*s, "bob", 1000).size(), bob);
    EXPECT_EQ(read_inbox(*s, "carol", 1000).size(), carol);
    EXPECT_EQ(last_seq(*s, ab), 75u);
    EXPECT_EQ(last_seq(*s, g), 75u);
    EXPECT_EQ(s->stats().duplicates, 150u);
}

TEST_P(StoreInboxes, HistoryTtlHidesAtOnceAndTheSweepDeletesKeepingSeq) {
    ManualClock clock(kT0);
    StoreOptions o;
    o.history_ttl_s = 60;
    o.clock = &clock;
    auto s = open(o);
    const std::string c = group_conversation("g");
    append(*s, message(c, "alice", "{}", clock.now_ms(), "cm-old", {"bob"}));
    append(*s, message(c, "alice", "{}", clock.now_ms()));
    append(*s, message(c, "alice", "{}", clock.now_ms()));
    clock.advance(30'000);
    append(*s, message(c, "alice", "{}", clock.now_ms(), {}, {"bob"}));
    append(*s, message(c, "alice", "{}", clock.now_ms()));
    EXPECT_EQ(history(*s, c).size(), 5u);
    EXPECT_EQ(s->stats().history_expired, 0u);

    clock.advance(31'000);  // the first three are now older than 60 s
    EXPECT_EQ(seqs(history(*s, c)), (std::vector<std::uint64_t>{4, 5}));
    HistoryQuery window;
    window.conversation = c;
    window.begin_time = kT0;
    window.end_time = kT0 + 100'000;
    EXPECT_EQ(seqs(history(*s, window)), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_EQ(message_seqs(read_inbox(*s, "bob")), (std::vector<std::uint64_t>{4}));
    // The sweep ran before the first call made after the clock moved.
    EXPECT_EQ(s->stats().history_expired, 3u);
    EXPECT_EQ(last_seq(*s, c), 5u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}", clock.now_ms())).seq, 6u);
    // The expired message's client id may be used again: it names a new message.
    const AppendResult reused = append(*s, message(c, "alice", "{}", clock.now_ms(), "cm-old"));
    EXPECT_FALSE(reused.duplicate);
    EXPECT_EQ(reused.seq, 7u);

    clock.advance(120'000);  // everything expired: seq still continues
    EXPECT_TRUE(history(*s, c).empty());
    EXPECT_EQ(s->stats().history_expired, 7u);
    EXPECT_EQ(last_seq(*s, c), 7u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}", clock.now_ms())).seq, 8u);
}

TEST_P(StoreUsers, ProfilesRoundTrip) {
    auto s = open();
    using Profile = Result<std::optional<std::string>>;
    const auto get = [&](const std::string& user) {
        return await<Profile>([&](auto cb) { s->get_profile(user, cb); }).value();
    };
    EXPECT_EQ(get("alice"), std::nullopt);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->put_profile("alice", R"({"nick":"A"})", cb); }),
              Errc::ok);
    EXPECT_EQ(get("alice"), std::optional<std::string>(R"({"nick":"A"})"));
    s->put_profile("alice", R"({"nick":"B","sign":"x"})", {});
    EXPECT_EQ(get("alice"), std::optional<std::string>(R"({"nick":"B","sign":"x"})"));
    EXPECT_EQ(get("alic"), std::nullopt);
}

TEST_P(StoreUsers, GroupInfoRoundTripsApartFromMembers) {
    auto s = open();
    using Info = Result<std::optional<std::string>>;
    using List = Result<std::vector<std::string>>;
    const auto get = [&](const std::string& group) {
        return await<Info>([&](auto cb) { s->get_group_info(group, cb); }).value();
    };
    const auto put = [&](const std::string& group, const std::string& json) {
        return await<Errc>([&](auto cb) { s->put_group_info(group, json, cb); });
    };
    const auto remove = [&](const std::string& group) {
        return await<Errc>([&](auto cb) { s->remove_group_info(group, cb); });
    };
    EXPECT_EQ(get("g1"), std::nullopt);
    EXPECT_EQ(put("g1", R"({"name":"One","owner":"alice"})"), Errc::ok);
    EXPECT_EQ(put("g", R"({"name":"Short"})"), Errc::ok);  // a prefix of "g1": must not mix
    EXPECT_EQ(get("g1"), std::optional<std::string>(R"({"name":"One","owner":"alice"})"));
    EXPECT_EQ(get("g"), std::optional<std::string>(R"({"name":"Short"})"));
    // A group's info is not a user's profile, whatever the ids.
    using Profile = Result<std::optional<std::string>>;
    EXPECT_EQ(await<Profile>([&](auto cb) { s->get_profile("g1", cb); }).value(), std::nullopt);
    // Replaced whole; written and read in call order without waiting in between.
    s->put_group_info("g1", R"({"name":"Renamed"})", {});
    EXPECT_EQ(get("g1"), std::optional<std::string>(R"({"name":"Renamed"})"));
    // Independent of the memberships both ways.
    EXPECT_EQ(await<Errc>([&](auto cb) { s->add_member("g1", "bob", cb); }), Errc::ok);
    EXPECT_EQ(remove("g1"), Errc::ok);
    EXPECT_EQ(get("g1"), std::nullopt);
    EXPECT_EQ(get("g"), std::optional<std::string>(R"({"name":"Short"})"));
    EXPECT_EQ(await<List>([&](auto cb) { s->members("g1", cb); }).value(),
              std::vector<std::string>{"bob"});
    EXPECT_EQ(remove("g1"), Errc::ok);     // again: nothing there, still ok
    EXPECT_EQ(remove("never"), Errc::ok);  // never stored
    EXPECT_EQ(put("g1", "{}"), Errc::ok);  // an empty object is stored, not absent
    EXPECT_EQ(get("g1"), std::optional<std::string>("{}"));
}

TEST_P(StoreUsers, MembershipsRoundTripBothWays) {
    auto s = open();
    using List = Result<std::vector<std::string>>;
    const auto members = [&](const std::string& g) {
        return await<List>([&](auto cb) { s->members(g, cb); }).value();
    };
    const auto groups = [&](const std::string& u) {
        return await<List>([&](auto cb) { s->groups_of(u, cb); }).value();
    };
    const auto add = [&](const std::string& g, const std::string& u) {
        return await<Errc>([&](auto cb) { s->add_member(g, u, cb); });
    };
    const auto remove = [&](const std::string& g, const std::string& u) {
        return await<Errc>([&](auto cb) { s->remove_member(g, u, cb); });
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(add("g1", "bob"), Errc::ok);
    EXPECT_EQ(add("g1", "alice"), Errc::ok);
    EXPECT_EQ(add("g2", "alice"), Errc::ok);
    EXPECT_EQ(add("g1", "alice"), Errc::ok);  // again: still one membership
    EXPECT_EQ(add("g", "zed"), Errc::ok);     // "g" is a prefix of "g1": must not mix
    EXPECT_EQ(members("g1"), (V{"alice", "bob"}));
    EXPECT_EQ(members("g"), (V{"zed"}));
    EXPECT_EQ(groups("alice"), (V{"g1", "g2"}));
    EXPECT_EQ(remove("g1", "alice"), Errc::ok);
    EXPECT_EQ(members("g1"), (V{"bob"}));
    EXPECT_EQ(groups("alice"), (V{"g2"}));
    EXPECT_EQ(remove("g1", "nobody"), Errc::ok);
    EXPECT_TRUE(members("none").empty());
    EXPECT_TRUE(groups("nobody").empty());
}

TEST_P(StoreUsers, DrainWaitsForEveryEarlierCall) {
    auto s = open();
    std::atomic<int> done{0};
    for (int i = 0; i < 1000; ++i) {
        if (i % 3 == 0) {
            s->add_member("g", std::to_string(i), [&](Errc) { done.fetch_add(1); });
        } else {
            s->append(message(group_conversation("g"), "a", "{}"),
                      [&](AppendResult) { done.fetch_add(1); });
        }
    }
    s->drain();
    EXPECT_EQ(done.load(), 1000);
    s->drain();  // nothing queued: returns at once
}

}  // namespace
}  // namespace jim::store::test
