// Conformance, part 3: contact lists (friends) and their reverse index (followers), and the
// admin API's bans, on every engine; plus what of them survives reopening the RocksDB engine.
#include "conformance.hpp"

namespace jim::store::test {
namespace {

class StoreFriends : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreFriends, kEngines, engine_name);

class StoreBans : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreBans, kEngines, engine_name);

using Names = std::vector<std::string>;
using Friends = std::vector<Friend>;

Errc add(MessageStore& s, const std::string& user, const std::string& f,
         const std::string& category = "friends") {
    return await<Errc>([&](auto cb) { s.add_friend(user, f, category, cb); });
}
Errc remove(MessageStore& s, const std::string& user, const std::string& f) {
    return await<Errc>([&](auto cb) { s.remove_friend(user, f, cb); });
}
Friends friends_of(MessageStore& s, const std::string& user) {
    return await<Result<Friends>>([&](auto cb) { s.friends(user, cb); }).value();
}
Names followers_of(MessageStore& s, const std::string& user) {
    return await<Result<Names>>([&](auto cb) { s.followers(user, cb); }).value();
}

TEST_P(StoreFriends, ListsAreOneWayWithCategoriesAndFollowers) {
    auto s = open();
    EXPECT_TRUE(friends_of(*s, "alice").empty());
    EXPECT_EQ(add(*s, "alice", "carol", "work"), Errc::ok);
    EXPECT_EQ(add(*s, "alice", "bob"), Errc::ok);
    EXPECT_EQ(add(*s, "dave", "bob", "family"), Errc::ok);
    EXPECT_EQ(friends_of(*s, "alice"), (Friends{{"bob", "friends"}, {"carol", "work"}}));
    EXPECT_TRUE(friends_of(*s, "bob").empty());  // alice's list is not bob's
    EXPECT_EQ(followers_of(*s, "bob"), (Names{"alice", "dave"}));
    EXPECT_EQ(followers_of(*s, "carol"), (Names{"alice"}));
    EXPECT_TRUE(followers_of(*s, "alice").empty());

    EXPECT_EQ(add(*s, "alice", "bob", "best"), Errc::ok);  // again: moves it, one entry
    EXPECT_EQ(friends_of(*s, "alice"), (Friends{{"bob", "best"}, {"carol", "work"}}));
    EXPECT_EQ(followers_of(*s, "bob"), (Names{"alice", "dave"}));

    EXPECT_EQ(remove(*s, "alice", "bob"), Errc::ok);
    EXPECT_EQ(friends_of(*s, "alice"), (Friends{{"carol", "work"}}));
    EXPECT_EQ(followers_of(*s, "bob"), (Names{"dave"}));
    EXPECT_EQ(remove(*s, "alice", "nobody"), Errc::ok);
}

TEST_P(StoreFriends, IdsThatArePrefixesOfEachOtherDoNotMix) {
    auto s = open();
    EXPECT_EQ(add(*s, "a", "b"), Errc::ok);
    EXPECT_EQ(add(*s, "ab", "c"), Errc::ok);
    EXPECT_EQ(add(*s, "c", "ab"), Errc::ok);
    EXPECT_EQ(friends_of(*s, "a"), (Friends{{"b", "friends"}}));
    EXPECT_EQ(friends_of(*s, "ab"), (Friends{{"c", "friends"}}));
    EXPECT_EQ(followers_of(*s, "a"), Names{});
    EXPECT_EQ(followers_of(*s, "ab"), (Names{"c"}));
    // Friends live beside memberships and profiles without touching them.
    s->add_member("a", "b", {});
    EXPECT_EQ(await<Result<Names>>([&](auto cb) { s->members("a", cb); }).value(), (Names{"b"}));
    EXPECT_EQ(friends_of(*s, "a"), (Friends{{"b", "friends"}}));
}

TEST_P(StoreFriends, CallsAreOrderedWithOtherWrites) {
    auto s = open();
    // Queued without waiting: the read must see exactly the writes queued before it.
    s->add_friend("alice", "bob", "x", {});
    s->remove_friend("alice", "bob", {});
    s->add_friend("alice", "carol", "y", {});
    Friends seen;
    s->friends("alice", [&](Result<Friends> r) { seen = r.value(); });
    s->add_friend("alice", "dave", "z", {});
    s->drain();
    EXPECT_EQ(seen, (Friends{{"carol", "y"}}));
    EXPECT_EQ(friends_of(*s, "alice").size(), 2u);
}

std::vector<Ban> bans_of(MessageStore& s) {
    return await<Result<std::vector<Ban>>>([&](auto cb) { s.bans(cb); }).value();
}

TEST_P(StoreBans, PutReplacesTheReasonRemoveIsIdempotentListIsSorted) {
    auto s = open();
    EXPECT_TRUE(bans_of(*s).empty());
    EXPECT_EQ(await<Errc>([&](auto cb) { s->put_ban("mallory", "spam", cb); }), Errc::ok);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->put_ban("bob", "", cb); }), Errc::ok);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->put_ban("zed-longer-name", "x", cb); }), Errc::ok);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->put_ban("mallory", "abuse", cb); }), Errc::ok);
    EXPECT_EQ(bans_of(*s),
              (std::vector<Ban>{{"bob", ""}, {"mallory", "abuse"}, {"zed-longer-name", "x"}}));
    EXPECT_EQ(await<Errc>([&](auto cb) { s->remove_ban("bob", cb); }), Errc::ok);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->remove_ban("bob", cb); }), Errc::ok);
    EXPECT_EQ(await<Errc>([&](auto cb) { s->remove_ban("nobody", cb); }), Errc::ok);
    EXPECT_EQ(bans_of(*s), (std::vector<Ban>{{"mallory", "abuse"}, {"zed-longer-name", "x"}}));
    // Bans are not profiles or anything else keyed by the user.
    EXPECT_TRUE(await<Result<std::optional<std::string>>>([&](auto cb) {
                    s->get_profile("mallory", cb);
                }).value() == std::nullopt);
}

TEST(RocksDbBans, SurviveReopen) {
    TempDir dir;
    StoreOptions o;
    o.engine = "rocksdb";
    o.path = dir.path() + "/db";
    {
        auto s = open_store(o);
        s->put_ban("mallory", "spam", {});
        s->put_ban("eve", "", {});
        s->remove_ban("eve", {});
        s->drain();
    }
    auto s = open_store(o);
    EXPECT_EQ(bans_of(*s), (std::vector<Ban>{{"mallory", "spam"}}));
}

TEST(RocksDbFriends, SurviveReopen) {
    TempDir dir;
    StoreOptions o;
    o.engine = "rocksdb";
    o.path = dir.path() + "/db";
    {
        auto s = open_store(o);
        s->add_friend("alice", "bob", "work", {});
        s->add_friend("alice", "carol", "friends", {});
        s->remove_friend("alice", "carol", {});
        s->drain();
    }
    auto s = open_store(o);
    EXPECT_EQ(friends_of(*s, "alice"), (Friends{{"bob", "work"}}));
    EXPECT_EQ(followers_of(*s, "bob"), (Names{"alice"}));
    EXPECT_TRUE(followers_of(*s, "carol").empty());
}

}  // namespace
}  // namespace jim::store::test
