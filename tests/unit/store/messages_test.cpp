// Conformance, part 1: sequence numbers, the seq splice, idempotency, history and ordering.
#include <boost/json/parse.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

#include "conformance.hpp"

namespace jim::store::test {
namespace {

class StoreMessages : public StoreConformance {};
INSTANTIATE_TEST_SUITE_P(Engines, StoreMessages, kEngines, engine_name);

constexpr std::int64_t kT0 = 1'700'000'000'000;

TEST(ConversationKeys, PrivatePairIsOrderFreeAndUnambiguous) {
    EXPECT_EQ(private_conversation("alice", "bob"), private_conversation("bob", "alice"));
    EXPECT_NE(private_conversation("a", "bc"), private_conversation("ab", "c"));
    EXPECT_NE(private_conversation("alice", "bob"), group_conversation("alice\x1f"
                                                                       "bob"));
    EXPECT_NE(group_conversation("g1"), group_conversation("g2"));
}

TEST_P(StoreMessages, SeqStartsAtOneAndIsGapFree) {
    auto s = open();
    const std::string c = group_conversation("g");
    EXPECT_EQ(last_seq(*s, c), 0u);
    for (std::uint64_t i = 1; i <= 20; ++i) {
        const AppendResult r = append(*s, message(c, "alice", R"({"n":1})"));
        ASSERT_EQ(r.error, Errc::ok);
        EXPECT_FALSE(r.duplicate);
        EXPECT_EQ(r.seq, i);
    }
    EXPECT_EQ(last_seq(*s, c), 20u);
    EXPECT_EQ(s->stats().appends, 20u);
}

TEST_P(StoreMessages, ConversationsCountIndependently) {
    auto s = open();
    const std::string a = private_conversation("alice", "bob");
    const std::string b = group_conversation("g");
    EXPECT_EQ(append(*s, message(a, "alice", "{}")).seq, 1u);
    EXPECT_EQ(append(*s, message(b, "alice", "{}")).seq, 1u);
    EXPECT_EQ(append(*s, message(a, "bob", "{}")).seq, 2u);
    EXPECT_EQ(append(*s, message(a, "alice", "{}")).seq, 3u);
    EXPECT_EQ(append(*s, message(b, "carol", "{}")).seq, 2u);
    EXPECT_EQ(last_seq(*s, a), 3u);
    EXPECT_EQ(last_seq(*s, b), 2u);
    EXPECT_EQ(last_seq(*s, group_conversation("other")), 0u);
}

TEST_P(StoreMessages, BodyGetsSeqAndStaysValidJson) {
    auto s = open();
    const std::string c = group_conversation("g");
    const std::string bodies[] = {
        R"({"from":"alice","content":"hi"})",
        "{}",
        " { \"x\" : [1, {\"y\":\"}\"}] } \n",
        "{\n}",
    };
    std::uint64_t seq = 0;
    for (const std::string& body : bodies) {
        const AppendResult r = append(*s, message(c, "alice", body));
        ASSERT_EQ(r.error, Errc::ok) << body;
        ++seq;
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(r.body, ec);
        ASSERT_FALSE(ec) << r.body;
        ASSERT_TRUE(v.is_object()) << r.body;
        EXPECT_EQ(v.as_object().at("seq").as_int64(), static_cast<std::int64_t>(seq)) << r.body;
        // The stored body is the same text as the one handed back.
        EXPECT_EQ(history(*s, c).back().body, r.body);
    }
    EXPECT_EQ(append(*s, message(c, "a", R"({"content":"x"})")).body, R"({"content":"x","seq":5})");
}

TEST_P(StoreMessages, NonObjectBodyIsRefusedAndUsesNoSeq) {
    auto s = open();
    const std::string c = group_conversation("g");
    for (const char* body : {"", "[1,2]", "{\"a\":1", "null"}) {
        const AppendResult r = append(*s, message(c, "alice", body));
        EXPECT_EQ(r.error, Errc::store_error) << body;
        EXPECT_EQ(r.seq, 0u);
    }
    EXPECT_EQ(last_seq(*s, c), 0u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).seq, 1u);
    EXPECT_EQ(history(*s, c).size(), 1u);
}

TEST_P(StoreMessages, ConcurrentAppendsAreAGapFreePermutationInEachThreadsOrder) {
    auto s = open();
    const std::string c = group_conversation("busy");
    constexpr int kThreads = 4;
    constexpr int kPerThread = 500;
    // Written by the store thread, read after drain() (which orders after every callback).
    std::vector<std::vector<std::uint64_t>> got(kThreads, std::vector<std::uint64_t>(kPerThread));
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const std::string body =
                    R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
                s->append(message(c, std::to_string(t), body), [&, t, i](AppendResult r) {
                    if (r.error != Errc::ok) errors.fetch_add(1);
                    got[t][i] = r.seq;
                });
            }
        });
    }
    for (auto& th : threads) th.join();
    s->drain();
    EXPECT_EQ(errors.load(), 0);
    std::vector<std::uint64_t> all;
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_TRUE(std::is_sorted(got[t].begin(), got[t].end())) << "thread " << t;
        all.insert(all.end(), got[t].begin(), got[t].end());
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);
    const auto stored = history(*s, c);
    ASSERT_EQ(stored.size(), all.size());
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].seq, i + 1);
    const StoreStats st = s->stats();
    EXPECT_EQ(st.appends, all.size());
    EXPECT_LE(st.commits, st.appends);
}

TEST_P(StoreMessages, CallsQueuedTogetherShareOneCommit) {
    auto s = open();
    WorkerGate gate;
    gate.close(*s);
    for (int i = 0; i < 100; ++i) s->append(message(group_conversation("g"), "a", "{}"), {});
    const std::uint64_t before = s->stats().commits;
    gate.release();
    s->drain();
    EXPECT_EQ(s->stats().commits, before + 1);
    EXPECT_EQ(s->stats().appends, 100u);
}

TEST_P(StoreMessages, ClientMsgIdIsIdempotentPerSender) {
    auto s = open();
    const std::string c = private_conversation("alice", "bob");
    const AppendResult first =
        append(*s, message(c, "alice", R"({"content":"hi"})", kT0, "cm-1", {"bob"}));
    ASSERT_EQ(first.error, Errc::ok);
    ASSERT_FALSE(first.duplicate);

    AppendRequest retry = message(c, "alice", R"({"content":"changed"})", kT0 + 5, "cm-1", {"bob"});
    retry.id = "another-id";
    const AppendResult again = append(*s, retry);
    EXPECT_EQ(again.error, Errc::ok);
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.seq, first.seq);
    EXPECT_EQ(again.id, first.id);
    EXPECT_EQ(again.create_time, first.create_time);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(last_seq(*s, c), 1u);
    EXPECT_EQ(read_inbox(*s, "bob").size(), 1u);  // the retry added no inbox entry

    // The same client id from another sender is another message.
    const AppendResult other = append(*s, message(c, "bob", "{}", kT0, "cm-1"));
    EXPECT_FALSE(other.duplicate);
    EXPECT_EQ(other.seq, 2u);
    // An empty client id never deduplicates.
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).seq, 3u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).seq, 4u);
    EXPECT_EQ(s->stats().duplicates, 1u);
    EXPECT_EQ(s->stats().appends, 4u);
}

TEST_P(StoreMessages, DuplicateInsideOneCommitRepeatsTheFirst) {
    auto s = open();
    const std::string c = group_conversation("g");
    WorkerGate gate;
    gate.close(*s);
    std::vector<AppendResult> results(3);
    s->append(message(c, "alice", R"({"k":1})", kT0, "same"),
              [&](AppendResult r) { results[0] = std::move(r); });
    s->append(message(c, "alice", R"({"k":2})", kT0, "same"),
              [&](AppendResult r) { results[1] = std::move(r); });
    s->append(message(c, "alice", R"({"k":3})", kT0, "different"),
              [&](AppendResult r) { results[2] = std::move(r); });
    gate.release();
    s->drain();
    EXPECT_FALSE(results[0].duplicate);
    EXPECT_TRUE(results[1].duplicate);
    EXPECT_EQ(results[1].seq, results[0].seq);
    EXPECT_EQ(results[1].body, results[0].body);
    EXPECT_EQ(results[2].seq, 2u);
    EXPECT_EQ(history(*s, c).size(), 2u);
}

TEST_P(StoreMessages, HistoryIsOldestFirstWithOffsetLimitAndAfterSeq) {
    auto s = open();
    const std::string c = group_conversation("g");
    for (int i = 0; i < 10; ++i) append(*s, message(c, "alice", "{}", kT0 + i * 1000));
    HistoryQuery q;
    q.conversation = c;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    q.offset = 3;
    q.limit = 4;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{4, 5, 6, 7}));
    q = {};
    q.conversation = c;
    q.after_seq = 7;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{8, 9, 10}));
    q.limit = 2;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{8, 9}));
    q.after_seq = 10;
    EXPECT_TRUE(history(*s, q).empty());
    q.after_seq = std::numeric_limits<std::uint64_t>::max();
    EXPECT_TRUE(history(*s, q).empty());
    q.after_seq.reset();
    q.limit = 0;
    EXPECT_TRUE(history(*s, q).empty());
    EXPECT_TRUE(history(*s, group_conversation("empty")).empty());

    const auto all = history(*s, c);
    ASSERT_EQ(all.size(), 10u);
    EXPECT_EQ(all[4].conversation, c);
    EXPECT_EQ(all[4].create_time, kT0 + 4000);
    EXPECT_EQ(all[4].sender, "alice");
    EXPECT_EQ(all[4].id, message(c, "alice", "{}", kT0 + 4000).id);
    EXPECT_FALSE(all[4].recalled);
}

TEST_P(StoreMessages, HistoryTimeWindowIsInclusive) {
    auto s = open();
    const std::string c = group_conversation("g");
    for (int i = 0; i < 10; ++i) append(*s, message(c, "alice", "{}", kT0 + i * 1000));
    append(*s, message(group_conversation("other"), "alice", "{}", kT0 + 3000));
    HistoryQuery q;
    q.conversation = c;
    q.begin_time = kT0 + 2000;
    q.end_time = kT0 + 5000;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{3, 4, 5, 6}));
    q.offset = 1;
    q.limit = 2;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{4, 5}));
    q.offset = 0;
    q.limit = 100;
    q.after_seq = 4;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{5, 6}));
    q.after_seq.reset();
    q.end_time.reset();  // open end
    EXPECT_EQ(history(*s, q).size(), 8u);
    q.begin_time.reset();
    q.end_time = kT0 + 1500;  // open begin
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{1, 2}));
    q.begin_time = kT0 + 9000;
    q.end_time = kT0;  // empty window
    EXPECT_TRUE(history(*s, q).empty());
    // Negative times order correctly too.
    append(*s, message(group_conversation("neg"), "a", "{}", -5));
    append(*s, message(group_conversation("neg"), "a", "{}", 7));
    q = {};
    q.conversation = group_conversation("neg");
    q.begin_time = -10;
    q.end_time = 0;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{1}));
}

TEST_P(StoreMessages, ReadsSeeExactlyTheCallsMadeBeforeThem) {
    auto s = open();
    const std::string c = group_conversation("g");
    using Records = Result<std::vector<MessageRecord>>;
    std::vector<std::size_t> sizes;
    std::vector<int> order;
    const auto record_history = [&](int tag) {
        HistoryQuery q;
        q.conversation = c;
        s->history(q, [&, tag](Records r) {
            order.push_back(tag);
            sizes.push_back(r.value().size());
        });
    };
    // Nothing waits in between: the order of the calls alone decides what each read sees.
    record_history(0);
    s->append(message(c, "a", "{}"), [&](AppendResult) { order.push_back(1); });
    record_history(2);
    s->append(message(c, "a", "{}"), [&](AppendResult) { order.push_back(3); });
    s->append(message(c, "a", "{}"), [&](AppendResult) { order.push_back(4); });
    record_history(5);
    s->drain();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(sizes, (std::vector<std::size_t>{0, 1, 3}));
}

}  // namespace
}  // namespace jim::store::test
