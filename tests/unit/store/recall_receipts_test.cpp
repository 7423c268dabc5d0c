// Conformance, part 3: recall (checks, rewrite, idempotency, what reads show afterwards) and
// read cursors with the recent-conversations read.
#include <mutex>

#include "conformance.hpp"
#include "jim/base/clock.hpp"

namespace jim::store::test {
namespace {

class StoreRecall : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreRecall, kEngines, engine_name);

class StoreCursors : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreCursors, kEngines, engine_name);

constexpr std::int64_t kT0 = 1'700'000'000'000;

RecallResult recall(MessageStore& s, RecallRequest r) {
    return await<RecallResult>([&](auto cb) { s.recall(std::move(r), cb); });
}

RecallRequest recall_of(const AppendResult& a, const std::string& conversation,
                        const std::string& sender) {
    RecallRequest r;
    r.conversation = conversation;
    r.seq = a.seq;
    r.id = a.id;
    r.sender = sender;
    r.rewrite = [](const MessageRecord& m) {
        return R"({"id":")" + m.id + R"(","recalled":true,"seq":)" + std::to_string(m.seq) + "}";
    };
    return r;
}

std::uint64_t set_cursor(MessageStore& s, const std::string& user, const std::string& conv,
                         std::uint64_t seq) {
    return await<Result<std::uint64_t>>([&](auto cb) { s.set_read_cursor(user, conv, seq, cb); })
        .value();
}

std::vector<ConversationSummary> recent(MessageStore& s, const std::string& user,
                                        std::size_t limit = 100) {
    return await<Result<std::vector<ConversationSummary>>>(
               [&](auto cb) { s.recent_conversations(user, limit, cb); })
        .value();
}

Errc add_member(MessageStore& s, const std::string& g, const std::string& u) {
    return await<Errc>([&](auto cb) { s.add_member(g, u, cb); });
}

TEST_P(StoreRecall, RecallRewritesTheBodyEverywhereItIsRead) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    append(*s, message(ab, "alice", R"({"content":"first"})", kT0, {}, {"bob"}));
    const auto a =
        append(*s, message(ab, "alice", R"({"content":"oops"})", kT0 + 1, "c1", {"bob"}));
    const auto r = recall(*s, recall_of(a, ab, "alice"));
    ASSERT_EQ(r.error, Errc::ok);
    EXPECT_FALSE(r.already);
    EXPECT_TRUE(r.message.recalled);
    EXPECT_EQ(r.message.seq, 2u);
    EXPECT_EQ(r.message.sender, "alice");
    const std::string tomb = R"({"id":")" + a.id + R"(","recalled":true,"seq":2})";
    EXPECT_EQ(r.message.body, tomb);

    const auto h = history(*s, ab);
    ASSERT_EQ(h.size(), 2u);
    EXPECT_FALSE(h[0].recalled);
    EXPECT_EQ(h[0].body, R"({"content":"first","seq":1})");
    EXPECT_TRUE(h[1].recalled);
    EXPECT_EQ(h[1].body, tomb);
    EXPECT_EQ(h[1].create_time, kT0 + 1);  // the rest of the record is kept
    const auto inbox = read_inbox(*s, "bob");
    ASSERT_EQ(inbox.size(), 2u);
    EXPECT_TRUE(inbox[1].message.recalled);
    EXPECT_EQ(inbox[1].message.body, tomb);
    // The client id still names the message: a retry is a duplicate, with the recalled body.
    const auto retry = append(*s, message(ab, "alice", R"({"content":"oops"})", kT0 + 5, "c1"));
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.seq, 2u);
    EXPECT_EQ(retry.body, tomb);

    const auto again = recall(*s, recall_of(a, ab, "alice"));
    EXPECT_EQ(again.error, Errc::ok);
    EXPECT_TRUE(again.already);
    EXPECT_EQ(again.message.body, tomb);
}

TEST_P(StoreRecall, ChecksComeInOrderAndRefuseWithoutWriting) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const auto a = append(*s, message(ab, "alice", R"({"content":"x"})", kT0));

    auto wrong_id = recall_of(a, ab, "alice");
    wrong_id.id = "not-the-id";
    EXPECT_EQ(recall(*s, wrong_id).error, Errc::not_found);
    auto wrong_seq = recall_of(a, ab, "alice");
    wrong_seq.seq = 7;
    EXPECT_EQ(recall(*s, wrong_seq).error, Errc::not_found);
    auto wrong_conv = recall_of(a, private_conversation("alice", "carol"), "alice");
    EXPECT_EQ(recall(*s, wrong_conv).error, Errc::not_found);
    EXPECT_EQ(recall(*s, recall_of(a, ab, "bob")).error, Errc::forbidden);
    auto late = recall_of(a, ab, "alice");
    late.sent_after = kT0 + 1;
    EXPECT_EQ(recall(*s, late).error, Errc::recall_too_late);
    late.sent_after = kT0;  // inclusive: allowed, below

    const auto h = history(*s, ab);
    ASSERT_EQ(h.size(), 1u);
    EXPECT_FALSE(h[0].recalled);  // nothing refused was written
    EXPECT_EQ(h[0].body, R"({"content":"x","seq":1})");

    EXPECT_EQ(recall(*s, late).error, Errc::ok);
    auto admin = recall_of(a, ab, "");
    admin.sent_after = kT0 + 1000;  // an already recalled message is answered before the window
    const auto repeat = recall(*s, admin);
    EXPECT_EQ(repeat.error, Errc::ok);
    EXPECT_TRUE(repeat.already);
}

TEST_P(StoreRecall, AdminRecallsAnySenderAndANullRewriteKeepsTheBody) {
    auto s = open();
    const std::string g = group_conversation("g");
    const auto a = append(*s, message(g, "carol", R"({"content":"spam"})", kT0));
    auto r = recall_of(a, g, "");
    r.rewrite = nullptr;
    const auto res = recall(*s, r);
    ASSERT_EQ(res.error, Errc::ok);
    const auto h = history(*s, g);
    ASSERT_EQ(h.size(), 1u);
    EXPECT_TRUE(h[0].recalled);
    EXPECT_EQ(h[0].body, R"({"content":"spam","seq":1})");
}

TEST_P(StoreRecall, TwoRecallsInOneCommitSeeEachOther) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const auto a = append(*s, message(ab, "alice", R"({"content":"x"})", kT0));
    WorkerGate gate;
    gate.close(*s);
    auto first = std::make_shared<std::promise<RecallResult>>();
    auto second = std::make_shared<std::promise<RecallResult>>();
    s->recall(recall_of(a, ab, "alice"), [first](RecallResult r) { first->set_value(r); });
    s->recall(recall_of(a, ab, "alice"), [second](RecallResult r) { second->set_value(r); });
    gate.release();
    const auto r1 = first->get_future().get();
    const auto r2 = second->get_future().get();
    EXPECT_EQ(r1.error, Errc::ok);
    EXPECT_FALSE(r1.already);
    EXPECT_EQ(r2.error, Errc::ok);
    EXPECT_TRUE(r2.already);
}

// Calls made without waiting see the ones made before them complete, and answer in call order
// (the redis engine holds later calls while a recall or a recent read needs a second step).
TEST_P(StoreRecall, CallsMadeRightAfterARecallOrARecentReadSeeItAndAnswerInOrder) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const auto a = append(*s, message(ab, "alice", R"({"content":"x"})", kT0));
    std::mutex mu;
    std::vector<std::string> order;
    auto note = [&mu, &order](std::string what) {
        std::lock_guard lock(mu);
        order.push_back(std::move(what));
    };
    auto recalled = std::make_shared<std::promise<RecallResult>>();
    auto seen = std::make_shared<std::promise<std::vector<MessageRecord>>>();
    auto listed = std::make_shared<std::promise<std::vector<ConversationSummary>>>();
    auto cursor = std::make_shared<std::promise<std::uint64_t>>();
    s->recall(recall_of(a, ab, "alice"), [&note, recalled](RecallResult r) {
        note("recall");
        recalled->set_value(std::move(r));
    });
    HistoryQuery q;
    q.conversation = ab;
    s->history(q, [&note, seen](Result<std::vector<MessageRecord>> r) {
        note("history");
        seen->set_value(r ? std::move(*r) : std::vector<MessageRecord>());
    });
    s->recent_conversations("bob", 10, [&note, listed](Result<std::vector<ConversationSummary>> r) {
        note("recent");
        listed->set_value(r ? std::move(*r) : std::vector<ConversationSummary>());
    });
    s->set_read_cursor("bob", ab, 1, [&note, cursor](Result<std::uint64_t> r) {
        note("cursor");
        cursor->set_value(r ? *r : 0);
    });
    s->append(message(ab, "bob", "{}", kT0 + 1), [&note](AppendResult) { note("append"); });
    s->drain();
    EXPECT_EQ(recalled->get_future().get().error, Errc::ok);
    const auto h = seen->get_future().get();
    ASSERT_EQ(h.size(), 1u);
    EXPECT_TRUE(h[0].recalled);
    const auto r = listed->get_future().get();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].last.recalled);
    EXPECT_EQ(r[0].unread, 1u);
    EXPECT_EQ(cursor->get_future().get(), 1u);
    EXPECT_EQ(recent(*s, "bob")[0].last_seq, 2u);
    std::lock_guard lock(mu);
    EXPECT_EQ(order, (std::vector<std::string>{"recall", "history", "recent", "cursor", "append"}));
}

TEST_P(StoreRecall, ExpiredMessagesCannotBeRecalled) {
    ManualClock clock(kT0);
    StoreOptions o;
    o.history_ttl_s = 10;
    o.clock = &clock;
    auto s = open(o);
    const std::string ab = private_conversation("alice", "bob");
    const auto a = append(*s, message(ab, "alice", "{}", kT0));
    clock.advance(11'000);
    EXPECT_EQ(recall(*s, recall_of(a, ab, "alice")).error, Errc::not_found);
}

TEST_P(StoreCursors, CursorsMoveForwardOnlyAndStopAtTheLastSeq) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    EXPECT_EQ(set_cursor(*s, "bob", ab, 5), 0u);  // nothing to read yet
    for (int i = 0; i < 4; ++i) append(*s, message(ab, "alice", "{}", kT0 + i));
    EXPECT_EQ(set_cursor(*s, "bob", ab, 2), 2u);
    EXPECT_EQ(set_cursor(*s, "bob", ab, 1), 2u);   // never back
    EXPECT_EQ(set_cursor(*s, "bob", ab, 99), 4u);  // never past the last seq
    append(*s, message(ab, "alice", "{}", kT0 + 9));
    const auto r = recent(*s, "bob");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].last_seq, 5u);
    EXPECT_EQ(r[0].read_seq, 4u);
    EXPECT_EQ(r[0].unread, 1u);
}

TEST_P(StoreCursors, RecentListsGroupsAndPrivateConversationsNewestFirst) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    const std::string bc = private_conversation("bob", "carol");
    const std::string g = group_conversation("g");
    const std::string h = group_conversation("h");
    ASSERT_EQ(add_member(*s, "g", "bob"), Errc::ok);
    ASSERT_EQ(add_member(*s, "h", "bob"), Errc::ok);  // no messages: not listed
    append(*s, message(ab, "alice", R"({"n":1})", kT0));
    append(*s, message(ab, "alice", R"({"n":2})", kT0 + 1));
    append(*s, message(g, "dave", R"({"n":3})", kT0 + 2));
    append(*s, message(bc, "bob", R"({"n":4})", kT0 + 3));  // bob's own: read
    append(*s, message(ab, "alice", R"({"n":5})", kT0 + 4));

    auto r = recent(*s, "bob");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].conversation, ab);
    EXPECT_EQ(r[0].unread, 3u);
    EXPECT_EQ(r[0].last.body, R"({"n":5,"seq":3})");
    EXPECT_EQ(r[1].conversation, bc);
    EXPECT_EQ(r[1].unread, 0u);
    EXPECT_EQ(r[2].conversation, g);
    EXPECT_EQ(r[2].unread, 1u);
    EXPECT_EQ(recent(*s, "bob", 1).size(), 1u);

    // carol only received, in bc: its first message filed the conversation for her too.
    r = recent(*s, "carol");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].conversation, bc);
    EXPECT_EQ(r[0].read_seq, 0u);
    EXPECT_EQ(r[0].unread, 1u);

    // Replying reads the conversation; leaving a group drops it.
    append(*s, message(g, "bob", R"({"n":6})", kT0 + 5));
    ASSERT_EQ(await<Errc>([&](auto cb) { s->remove_member("g", "bob", cb); }), Errc::ok);
    r = recent(*s, "bob");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].conversation, ab);
    EXPECT_TRUE(recent(*s, "nobody").empty());
}

TEST_P(StoreCursors, ACursorSetInTheSameCommitAsASendNeverMovesBack) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    append(*s, message(ab, "bob", "{}", kT0));
    WorkerGate gate;
    gate.close(*s);
    s->append(message(ab, "alice", "{}", kT0 + 1), [](AppendResult) {});
    auto cursor = std::make_shared<std::promise<Result<std::uint64_t>>>();
    s->set_read_cursor("alice", ab, 1, [cursor](Result<std::uint64_t> r) { cursor->set_value(r); });
    gate.release();
    EXPECT_EQ(cursor->get_future().get().value(), 2u);
    const auto r = recent(*s, "alice");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].read_seq, 2u);
    EXPECT_EQ(r[0].unread, 0u);
}

}  // namespace
}  // namespace jim::store::test
