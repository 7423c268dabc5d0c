// RocksDB engine only: what must survive closing and reopening (being killed: crash_test.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "jim/base/clock.hpp"
#include "store_test_util.hpp"

namespace jim::store::test {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

class RocksDbStore : public ::testing::Test {
  protected:
    std::unique_ptr<MessageStore> open(StoreOptions o = {}) {
        o.engine = "rocksdb";
        o.path = dir_.path() + "/db";
        return open_store(o);
    }
    TempDir dir_;
};

TEST_F(RocksDbStore, SeqContinuesAfterReopen) {
    const std::string c = group_conversation("g");
    {
        auto s = open();
        for (int i = 0; i < 3; ++i) append(*s, message(c, "alice", "{}"));
        append(*s, message(group_conversation("other"), "alice", "{}"));
    }
    auto s = open();
    EXPECT_EQ(last_seq(*s, c), 3u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}")).seq, 4u);
    EXPECT_EQ(append(*s, message(group_conversation("other"), "alice", "{}")).seq, 2u);
    EXPECT_EQ(seqs(history(*s, c)), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(RocksDbStore, RecallAndReadCursorsPersistAcrossReopen) {
    const std::string c = private_conversation("alice", "bob");
    {
        auto s = open();
        const auto a = append(*s, message(c, "alice", R"({"content":"secret"})", kT0));
        append(*s, message(c, "alice", "{}", kT0 + 1));
        append(*s, message(c, "alice", "{}", kT0 + 2));
        RecallRequest r;
        r.conversation = c;
        r.seq = a.seq;
        r.id = a.id;
        r.rewrite = [](const MessageRecord&) { return std::string(R"({"recalled":true})"); };
        EXPECT_EQ(await<RecallResult>([&](auto cb) { s->recall(r, cb); }).error, Errc::ok);
        EXPECT_EQ(await<Result<std::uint64_t>>([&](auto cb) {
                      s->set_read_cursor("bob", c, 2, cb);
                  }).value(),
                  2u);
    }
    auto s = open();
    const auto h = history(*s, c);
    ASSERT_EQ(h.size(), 3u);
    EXPECT_TRUE(h[0].recalled);
    EXPECT_EQ(h[0].body, R"({"recalled":true})");
    EXPECT_FALSE(h[1].recalled);
    const auto recent = await<Result<std::vector<ConversationSummary>>>([&](auto cb) {
                            s->recent_conversations("bob", 10, cb);
                        }).value();
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].read_seq, 2u);
    EXPECT_EQ(recent[0].unread, 1u);
}

// The deleted message was the newest: its tombstone keeps the seq, so none is reused.
TEST_F(RocksDbStore, DeletingTheLastMessageKeepsItsSeqAcrossReopen) {
    const std::string c = group_conversation("g");
    {
        auto s = open();
        append(*s, message(c, "alice", "{}", kT0));
        const auto last = append(*s, message(c, "alice", R"({"content":"x"})", kT0 + 1));
        DeleteRequest r{c, last.seq, last.id};
        EXPECT_EQ(await<DeleteResult>([&](auto cb) { s->delete_message(r, cb); }).error, Errc::ok);
    }
    auto s = open();
    EXPECT_EQ(last_seq(*s, c), 2u);
    EXPECT_EQ(seqs(history(*s, c)), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(append(*s, message(c, "alice", "{}", kT0 + 2)).seq, 3u);
}

TEST_F(RocksDbStore, EverythingPersistsAcrossReopen) {
    const std::string c = private_conversation("alice", "bob");
    AppendResult first;
    {
        auto s = open();
        first = append(*s, message(c, "alice", R"({"content":"hi"})", kT0, "cm-1", {"bob"}));
        append(*s, message(c, "alice", "{}", kT0 + 1, {}, {"bob"}));
        append(*s, message(c, "alice", "{}", kT0 + 2, {}, {"bob"}));
        EXPECT_EQ(ack_inbox(*s, "bob", 2), Errc::ok);
        s->put_profile("alice", R"({"nick":"A"})", {});
        s->add_member("g1", "alice", {});
        s->add_member("g1", "bob", {});
        s->remove_member("g1", "bob", {});
        s->put_group_info("g1", R"({"name":"One","owner":"alice"})", {});
        s->put_group_info("g2", R"({"name":"Two"})", {});
        s->remove_group_info("g2", {});
    }
    auto s = open();
    const auto h = history(*s, c);
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0].body, first.body);
    EXPECT_EQ(h[0].id, first.id);
    EXPECT_EQ(h[2].create_time, kT0 + 2);
    HistoryQuery q;
    q.conversation = c;
    q.begin_time = kT0 + 1;
    q.end_time = kT0 + 1;
    EXPECT_EQ(seqs(history(*s, q)), (std::vector<std::uint64_t>{2}));

    const auto inbox = read_inbox(*s, "bob");
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_EQ(inbox[0].inbox_seq, 3u);
    EXPECT_EQ(ack_inbox(*s, "bob", 3), Errc::ok);
    append(*s, message(c, "alice", "{}", kT0 + 3, {}, {"bob"}));
    EXPECT_EQ(read_inbox(*s, "bob").at(0).inbox_seq, 4u);  // inbox_seq survives the empty inbox

    const AppendResult retry = append(*s, message(c, "alice", "{}", kT0 + 9, "cm-1", {"bob"}));
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.seq, first.seq);
    EXPECT_EQ(retry.body, first.body);

    using Profile = Result<std::optional<std::string>>;
    using List = Result<std::vector<std::string>>;
    EXPECT_EQ(await<Profile>([&](auto cb) { s->get_profile("alice", cb); }).value(),
              std::optional<std::string>(R"({"nick":"A"})"));
    EXPECT_EQ(await<List>([&](auto cb) { s->members("g1", cb); }).value(),
              std::vector<std::string>{"alice"});
    EXPECT_EQ(await<List>([&](auto cb) { s->groups_of("bob", cb); }).value(),
              std::vector<std::string>{});
    EXPECT_EQ(await<Profile>([&](auto cb) { s->get_group_info("g1", cb); }).value(),
              std::optional<std::string>(R"({"name":"One","owner":"alice"})"));
    EXPECT_EQ(await<Profile>([&](auto cb) { s->get_group_info("g2", cb); }).value(), std::nullopt);
}

TEST_F(RocksDbStore, SyncMachineWorks) {
    StoreOptions o;
    o.sync = "machine";
    const std::string c = group_conversation("g");
    {
        auto s = open(o);
        for (int i = 0; i < 20; ++i) s->append(message(c, "alice", "{}"), {});
        s->drain();
        EXPECT_EQ(s->stats().appends, 20u);
    }
    auto s = open(o);
    EXPECT_EQ(history(*s, c).size(), 20u);
}

TEST_F(RocksDbStore, ExpiredConversationKeepsItsSeqAcrossReopen) {
    ManualClock clock(kT0);
    StoreOptions o;
    o.history_ttl_s = 10;
    o.clock = &clock;
    const std::string c = group_conversation("g");
    {
        auto s = open(o);
        for (int i = 0; i < 3; ++i) append(*s, message(c, "alice", "{}", clock.now_ms()));
        clock.advance(11'000);
        EXPECT_EQ(last_seq(*s, c), 3u);  // the sweep runs before this call
        EXPECT_EQ(s->stats().history_expired, 3u);
    }
    auto s = open(o);
    EXPECT_TRUE(history(*s, c).empty());
    EXPECT_EQ(last_seq(*s, c), 3u);
    EXPECT_EQ(append(*s, message(c, "alice", "{}", clock.now_ms())).seq, 4u);
}

// The engine's own memory figures (docs/operations.md, jim_store_*_bytes): the memtables hold at
// least what was written and grow with it; the memory engine has no such figures.
TEST_F(RocksDbStore, ReportsItsOwnMemory) {
    auto s = open();
    const auto before = s->stats().engine_memory;
    ASSERT_TRUE(before.has_value());
    const std::string body = R"({"content":")" + std::string(1000, 'x') + R"("})";
    const std::string c = group_conversation("g");
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(append(*s, message(c, "alice", body, kT0 + i, "cm-" + std::to_string(i))).error,
                  Errc::ok);
    }
    const auto after = s->stats().engine_memory;
    ASSERT_TRUE(after.has_value());
    EXPECT_GE(after->memtables, before->memtables + 200 * body.size());
    EXPECT_LT(after->memtables, std::uint64_t{64} << 20);  // one memtable, not yet flushed
    EXPECT_LE(after->block_cache_pinned, after->block_cache);
    EXPECT_LT(after->block_cache, std::uint64_t{64} << 20);  // within the cache's capacity

    StoreOptions memory;
    memory.engine = "memory";
    EXPECT_FALSE(open_store(memory)->stats().engine_memory.has_value());
}

// store.rocksdb.*: with a small budget, many flushed table files later the memtables and the
// block cache stay within it, and the files' index and filter blocks are in the cache (charged
// to it) rather than outside it in the table readers.
TEST_F(RocksDbStore, MemoryStaysWithinItsBudget) {
    StoreOptions o;
    o.rocksdb_cache_bytes = std::size_t{1} << 20;
    o.rocksdb_write_buffer_bytes = std::size_t{1} << 20;
    auto s = open(o);
    std::atomic<int> failed{0};
    for (int i = 0; i < 50000; ++i) {
        s->append(message(group_conversation("g" + std::to_string(i % 100)), "alice",
                          R"({"content":"hello"})", kT0 + i, "cm-" + std::to_string(i)),
                  [&failed](const AppendResult& r) { failed += r.error != Errc::ok; });
    }
    s->drain();
    EXPECT_EQ(failed, 0);
    const auto m = s->stats().engine_memory.value();
    EXPECT_LE(m.memtables, std::uint64_t{3} << 20);  // two of 1 MiB, and the arena's rounding
    EXPECT_GT(m.block_cache, 0u);
    EXPECT_LE(m.block_cache, std::uint64_t{1} << 20);
    // Measured: 11 KB in the readers and 370 KB in the cache; with index and filter blocks
    // outside the cache, 225 KB in the readers and 47 KB in the cache.
    EXPECT_LT(m.table_readers, m.block_cache);
}

TEST_F(RocksDbStore, OpenFailuresAreClearStartUpErrors) {
    const std::string file = dir_.path() + "/not-a-dir";
    std::ofstream(file) << "x";
    StoreOptions o;
    o.path = file;
    EXPECT_THROW(open_store(o), std::runtime_error);
    o.path.clear();
    EXPECT_THROW(open_store(o), std::runtime_error);
    o.path = dir_.path() + "/db";
    o.engine = "mongo";
    EXPECT_THROW(open_store(o), std::runtime_error);
    o.engine = "rocksdb";
    o.sync = "sometimes";
    EXPECT_THROW(open_store(o), std::runtime_error);
    // A second process (or store) on the same directory is refused by RocksDB's lock.
    o.sync = "process";
    auto s = open_store(o);
    EXPECT_THROW(open_store(o), std::runtime_error);
}

}  // namespace
}  // namespace jim::store::test
