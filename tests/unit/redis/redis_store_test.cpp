// The redis engine beyond the conformance suite: acknowledged messages survive kill -9 of Redis,
// calls fail (never hang or crash) while Redis is away and work again once it is back, two
// stores on one server (two nodes) share one seq, recalls and read cursors, a recall or recent
// read that fails never holds up the calls behind it, and a server that cannot keep the
// durability is refused at start-up.
#include <gtest/gtest.h>

#include "jim/store/redis_store.hpp"
#include "store/store_test_util.hpp"
#include "support/redis_server.hpp"

namespace jim::store::test {
namespace {

StoreOptions redis_options(const jim::testing::RedisServer& server) {
    StoreOptions o;
    o.engine = "redis";
    o.redis = server.url();
    return o;
}

TEST(RedisStore, AckedMessagesSurviveKillMinusNineOfRedis) {
    jim::testing::RedisServer server;
    const std::string c = private_conversation("alice", "bob");
    {
        auto s = open_store(redis_options(server));
        for (int i = 0; i < 500; ++i) {
            s->append(message(c, "alice", R"({"i":)" + std::to_string(i) + "}", 1, {}, {"bob"}),
                      {});
        }
        ASSERT_EQ(append(*s, message(c, "alice", "{}")).seq, 501u);  // the last one is acked
        server.kill(SIGKILL);
    }
    server.start();
    auto s = open_store(redis_options(server));
    EXPECT_EQ(last_seq(*s, c), 501u);
    EXPECT_EQ(history(*s, c).size(), 501u);
    EXPECT_EQ(read_inbox(*s, "bob", 1000).size(), 500u);
    EXPECT_EQ(append(*s, message(c, "bob", "{}")).seq, 502u);
}

TEST(RedisStore, WhileRedisIsDownCallsFailAndAfterwardsTheyWork) {
    jim::testing::RedisServer server;
    auto s = open_store(redis_options(server));
    const std::string c = group_conversation("g");
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).seq, 1u);
    server.kill(SIGKILL);
    // Every call answers (no hang), with an error, and nothing claims to be stored.
    bool saw_error = false;
    for (int i = 0; i < 50 && !saw_error; ++i) {
        const AppendResult r = append(*s, message(c, "alice", "{}"));
        saw_error = r.error == Errc::store_error;
    }
    EXPECT_TRUE(saw_error);
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).error, Errc::store_error);
    EXPECT_FALSE(await<Result<std::uint64_t>>([&](auto cb) { s->last_seq(c, cb); }));
    EXPECT_NE(redis_link_state(*s), redis::LinkState::up);  // down, or trying to connect
    server.start();
    // Poll with a deadline until the link is back.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    AppendResult r;
    do {
        r = append(*s, message(c, "alice", "{}"));
    } while (r.error != Errc::ok && std::chrono::steady_clock::now() < end);
    ASSERT_EQ(r.error, Errc::ok);
    EXPECT_EQ(redis_link_state(*s), redis::LinkState::up);
    // Seq stayed gap-free: only the acknowledged appends took one.
    EXPECT_EQ(r.seq, last_seq(*s, c));
    EXPECT_EQ(history(*s, c).size(), r.seq);
}

TEST(RedisStore, TwoStoresOnOneServerShareSeqInboxesAndMemberships) {
    jim::testing::RedisServer server;
    auto a = open_store(redis_options(server));
    auto b = open_store(redis_options(server));
    const std::string c = group_conversation("g");
    for (int i = 0; i < 100; ++i) {
        a->append(message(c, "alice", "{}", 1, {}, {"carol"}), {});
        b->append(message(c, "bob", "{}", 1, {}, {"carol"}), {});
    }
    a->drain();
    b->drain();
    const auto all = history(*a, c);
    ASSERT_EQ(all.size(), 200u);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i + 1);
    EXPECT_EQ(read_inbox(*b, "carol", 1000).size(), 200u);
    ASSERT_EQ(await<Errc>([&](auto cb) { a->add_member("g", "carol", cb); }), Errc::ok);
    const auto members =
        await<Result<std::vector<std::string>>>([&](auto cb) { b->members("g", cb); });
    EXPECT_EQ(members.value(), std::vector<std::string>{"carol"});
    // A retry through the other node is still a duplicate (client ids live in Redis).
    const AppendResult first = append(*a, message(c, "alice", "{}", 1, "cm-9"));
    const AppendResult again = append(*b, message(c, "alice", "{}", 1, "cm-9"));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.seq, first.seq);
}

// Two nodes recalling one message at once: one recall writes, the other answers `already`
// (the compare-and-set write), and cursors set through one node are read through the other.
TEST(RedisStore, TwoStoresShareRecallsAndReadCursors) {
    jim::testing::RedisServer server;
    auto a = open_store(redis_options(server));
    auto b = open_store(redis_options(server));
    const std::string c = private_conversation("alice", "bob");
    const AppendResult sent = append(*a, message(c, "alice", R"({"content":"x"})"));
    append(*a, message(c, "alice", "{}", 2));
    RecallRequest r;
    r.conversation = c;
    r.seq = sent.seq;
    r.id = sent.id;
    r.rewrite = [](const MessageRecord& m) { return "{\"seq\":" + std::to_string(m.seq) + "}"; };
    auto first = std::make_shared<std::promise<RecallResult>>();
    auto second = std::make_shared<std::promise<RecallResult>>();
    a->recall(r, [first](RecallResult x) { first->set_value(std::move(x)); });
    b->recall(r, [second](RecallResult x) { second->set_value(std::move(x)); });
    const RecallResult x = first->get_future().get();
    const RecallResult y = second->get_future().get();
    ASSERT_EQ(x.error, Errc::ok);
    ASSERT_EQ(y.error, Errc::ok);
    EXPECT_NE(x.already, y.already);  // exactly one of them wrote
    EXPECT_EQ(history(*b, c)[0].body, R"({"seq":1})");

    EXPECT_EQ(
        await<Result<std::uint64_t>>([&](auto cb) { a->set_read_cursor("bob", c, 1, cb); }).value(),
        1u);
    const auto recent = await<Result<std::vector<ConversationSummary>>>([&](auto cb) {
                            b->recent_conversations("bob", 10, cb);
                        }).value();
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].read_seq, 1u);
    EXPECT_EQ(recent[0].unread, 1u);
}

// Another node recalls the message between this node's read and its write (forced: this
// node's rewrite runs the other recall to completion): the compare-and-set write fails, the
// recall starts over and finds the message recalled. The other node's body stays.
TEST(RedisStore, ARecallThatLosesTheRaceStartsOverAndAnswersAlready) {
    jim::testing::RedisServer server;
    auto a = open_store(redis_options(server));
    auto b = open_store(redis_options(server));
    const std::string c = group_conversation("g");
    const AppendResult sent = append(*a, message(c, "alice", R"({"content":"x"})"));
    RecallRequest r;
    r.conversation = c;
    r.seq = sent.seq;
    r.id = sent.id;
    RecallRequest other = r;
    other.rewrite = [](const MessageRecord&) { return std::string(R"({"by":"b"})"); };
    int rewrites = 0;
    RecallResult b_result;
    r.rewrite = [&](const MessageRecord&) {
        ++rewrites;
        b_result = await<RecallResult>([&](auto cb) { b->recall(other, cb); });
        return std::string(R"({"by":"a"})");
    };
    const auto result = await<RecallResult>([&](auto cb) { a->recall(r, cb); });
    EXPECT_EQ(rewrites, 1);
    EXPECT_EQ(b_result.error, Errc::ok);
    EXPECT_FALSE(b_result.already);
    ASSERT_EQ(result.error, Errc::ok);
    EXPECT_TRUE(result.already);
    EXPECT_EQ(result.message.body, R"({"by":"b"})");
    EXPECT_EQ(history(*a, c)[0].body, R"({"by":"b"})");
}

// A recall or a recent read holds the calls behind it; with Redis gone it must still answer
// and let them through.
TEST(RedisStore, RecallAndRecentFailWhileRedisIsDownAndReleaseLaterCalls) {
    jim::testing::RedisServer server;
    auto s = open_store(redis_options(server));
    const std::string c = group_conversation("g");
    const AppendResult sent = append(*s, message(c, "alice", "{}"));
    server.kill(SIGKILL);
    RecallRequest r;
    r.conversation = c;
    r.seq = sent.seq;
    r.id = sent.id;
    const auto recalled = await<RecallResult>([&](auto cb) { s->recall(r, cb); });
    EXPECT_EQ(recalled.error, Errc::store_error);
    const auto recent = await<Result<std::vector<ConversationSummary>>>(
        [&](auto cb) { s->recent_conversations("alice", 10, cb); });
    EXPECT_FALSE(recent);
    EXPECT_FALSE(await<Result<std::uint64_t>>([&](auto cb) { s->last_seq(c, cb); }));
}

TEST(RedisStore, RefusesAServerThatCannotKeepTheDurability) {
    jim::testing::RedisServer server;
    ASSERT_EQ(server.call("CONFIG SET appendonly no"), "+OK");
    try {
        open_store(redis_options(server));
        FAIL() << "opened a store on appendonly no";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("appendonly"), std::string::npos) << e.what();
    }
    ASSERT_EQ(server.call("CONFIG SET appendonly yes"), "+OK");
    StoreOptions o = redis_options(server);
    o.sync = "machine";
    EXPECT_THROW(open_store(o), std::runtime_error);  // appendfsync is everysec
    ASSERT_EQ(server.call("CONFIG SET appendfsync always"), "+OK");
    EXPECT_NE(open_store(o), nullptr);
    o.redis = "redis://u:p@h:1";
    EXPECT_THROW(open_store(o), std::runtime_error);
}

}  // namespace
}  // namespace jim::store::test
