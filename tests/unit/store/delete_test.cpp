// Conformance, part 4: deleting a message for good (the admin API): what reads show afterwards,
// the checks, idempotency, and that seqs keep their place.
#include "conformance.hpp"
#include "jim/base/clock.hpp"

namespace jim::store::test {
namespace {

class StoreDelete : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreDelete, kEngines, engine_name);

constexpr std::int64_t kT0 = 1'700'000'000'000;

DeleteResult remove(MessageStore& s, const std::string& conversation, std::uint64_t seq,
                    const std::string& id) {
    DeleteRequest r;
    r.conversation = conversation;
    r.seq = seq;
    r.id = id;
    return await<DeleteResult>([&](auto cb) { s.delete_message(std::move(r), cb); });
}

TEST_P(StoreDelete, ADeletedMessageIsGoneFromEveryRead) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    append(*s, message(ab, "alice", R"({"content":"one"})", kT0, {}, {"bob"}));
    const auto two =
        append(*s, message(ab, "alice", R"({"content":"secret"})", kT0 + 1, "c2", {"bob"}));
    append(*s, message(ab, "alice", R"({"content":"three"})", kT0 + 2, {}, {"bob"}));

    const auto d = remove(*s, ab, two.seq, two.id);
    ASSERT_EQ(d.error, Errc::ok);
    EXPECT_FALSE(d.already);
    // The answer carries the message as it was, for the caller to tell the conversation.
    EXPECT_EQ(d.message.conversation, ab);
    EXPECT_EQ(d.message.seq, 2u);
    EXPECT_EQ(d.message.id, two.id);
    EXPECT_EQ(d.message.sender, "alice");
    EXPECT_EQ(d.message.create_time, kT0 + 1);
    EXPECT_EQ(d.message.body, R"({"content":"secret","seq":2})");

    EXPECT_EQ(seqs(history(*s, ab)), (std::vector<std::uint64_t>{1, 3}));
    HistoryQuery window;
    window.conversation = ab;
    window.begin_time = kT0;
    window.end_time = kT0 + 2;
    EXPECT_EQ(seqs(history(*s, window)), (std::vector<std::uint64_t>{1, 3}));
    HistoryQuery page;  // offset and limit count live messages only
    page.conversation = ab;
    page.offset = 1;
    page.limit = 1;
    EXPECT_EQ(seqs(history(*s, page)), (std::vector<std::uint64_t>{3}));
    const auto inbox = read_inbox(*s, "bob");
    EXPECT_EQ(message_seqs(inbox), (std::vector<std::uint64_t>{1, 3}));
    for (const auto& e : inbox) EXPECT_EQ(e.message.body.find("secret"), std::string::npos);

    // The seq keeps its place: not reused, and later messages keep counting from the last.
    EXPECT_EQ(last_seq(*s, ab), 3u);
    EXPECT_EQ(append(*s, message(ab, "bob", "{}", kT0 + 3)).seq, 4u);
    // The client id no longer names a message: a retry is stored as a new message.
    const auto retry = append(*s, message(ab, "alice", R"({"content":"secret"})", kT0 + 4, "c2"));
    EXPECT_FALSE(retry.duplicate);
    EXPECT_EQ(retry.seq, 5u);
}

TEST_P(StoreDelete, ChecksRefuseWithoutWritingAndDeletingTwiceIsHarmless) {
    auto s = open();
    const std::string g = group_conversation("g");
    const auto a = append(*s, message(g, "carol", R"({"content":"spam"})", kT0));
    append(*s, message(g, "dave", "{}", kT0 + 1));

    EXPECT_EQ(remove(*s, g, 0, a.id).error, Errc::not_found);
    EXPECT_EQ(remove(*s, g, 3, a.id).error, Errc::not_found);  // beyond the last seq
    EXPECT_EQ(remove(*s, group_conversation("other"), 1, a.id).error, Errc::not_found);
    EXPECT_EQ(remove(*s, g, 1, "not-the-id").error, Errc::not_found);
    EXPECT_EQ(seqs(history(*s, g)), (std::vector<std::uint64_t>{1, 2}));  // nothing was written

    const auto first = remove(*s, g, 1, a.id);
    ASSERT_EQ(first.error, Errc::ok);
    EXPECT_FALSE(first.already);
    const auto second = remove(*s, g, 1, a.id);
    EXPECT_EQ(second.error, Errc::ok);
    EXPECT_TRUE(second.already);
    EXPECT_EQ(second.message.seq, 1u);
    EXPECT_TRUE(second.message.body.empty());
    EXPECT_EQ(seqs(history(*s, g)), (std::vector<std::uint64_t>{2}));
}

TEST_P(StoreDelete, ADeletedMessageCannotBeRecalled) {
    auto s = open();
    const std::string g = group_conversation("g");
    const auto a = append(*s, message(g, "carol", R"({"content":"x"})", kT0));
    ASSERT_EQ(remove(*s, g, a.seq, a.id).error, Errc::ok);
    RecallRequest r;
    r.conversation = g;
    r.seq = a.seq;
    r.id = a.id;
    const auto res = await<RecallResult>([&](auto cb) { s->recall(r, cb); });
    // not_found, or unsupported from an engine without recall; never a recalled copy.
    EXPECT_NE(res.error, Errc::ok);
    EXPECT_TRUE(history(*s, g).empty());
}

TEST_P(StoreDelete, TwoDeletesInOneCommitSeeEachOther) {
    auto s = open();
    const std::string g = group_conversation("g");
    const auto a = append(*s, message(g, "carol", "{}", kT0));
    WorkerGate gate;
    gate.close(*s);
    auto first = std::make_shared<std::promise<DeleteResult>>();
    auto second = std::make_shared<std::promise<DeleteResult>>();
    DeleteRequest r{g, a.seq, a.id};
    s->delete_message(r, [first](DeleteResult x) { first->set_value(x); });
    s->delete_message(r, [second](DeleteResult x) { second->set_value(x); });
    gate.release();
    const auto r1 = first->get_future().get();
    const auto r2 = second->get_future().get();
    EXPECT_EQ(r1.error, Errc::ok);
    EXPECT_FALSE(r1.already);
    EXPECT_EQ(r2.error, Errc::ok);
    EXPECT_TRUE(r2.already);
}

TEST_P(StoreDelete, AnExpiredMessageIsAlreadyGone) {
    ManualClock clock(kT0);
    StoreOptions o;
    o.history_ttl_s = 10;
    o.clock = &clock;
    auto s = open(o);
    const std::string g = group_conversation("g");
    const auto a = append(*s, message(g, "carol", "{}", kT0));
    clock.advance(11'000);
    const auto d = remove(*s, g, a.seq, a.id);
    EXPECT_EQ(d.error, Errc::ok);
    EXPECT_TRUE(d.already);
}

TEST_P(StoreDelete, RecentConversationsShowTheNewestMessageLeft) {
    auto s = open();
    const std::string ab = private_conversation("alice", "bob");
    append(*s, message(ab, "alice", R"({"content":"kept"})", kT0));
    const auto last = append(*s, message(ab, "alice", R"({"content":"gone"})", kT0 + 1));
    ASSERT_EQ(remove(*s, ab, last.seq, last.id).error, Errc::ok);
    const auto recent = await<Result<std::vector<ConversationSummary>>>([&](auto cb) {
                            s->recent_conversations("bob", 10, cb);
                        }).value();
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].last_seq, 2u);
    EXPECT_EQ(recent[0].last.seq, 1u);
    EXPECT_EQ(recent[0].last.body, R"({"content":"kept","seq":1})");
}

}  // namespace
}  // namespace jim::store::test
