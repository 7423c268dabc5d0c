// Engine failures: they come back as store_full / store_error, nothing that was not stored is
// acknowledged, and no seq or inbox_seq is used up by a failed commit.
#include <atomic>

#include "jim/store/kv.hpp"
#include "jim/store/kv_store.hpp"
#include "store_test_util.hpp"

namespace jim::store::test {
namespace {

using detail::KvBatch;
using detail::KvEngine;
using detail::KvIterator;

// Passes everything to the memory engine unless told to fail writes or point reads.
// Thread: the failure switches are atomics set by the test; the rest runs on the store worker.
class FlakyKv final : public KvEngine {
  public:
    explicit FlakyKv(std::atomic<Errc>* fail_writes, std::atomic<Errc>* fail_gets)
        : inner_(detail::make_memory_kv()), fail_writes_(fail_writes), fail_gets_(fail_gets) {}

    Result<std::optional<std::string>> get(std::string_view key) override {
        const Errc e = fail_gets_->load();
        if (e != Errc::ok) return make_error_code(e);
        return inner_->get(key);
    }
    std::unique_ptr<KvIterator> iterator() override { return inner_->iterator(); }
    Errc write(const KvBatch& batch) override {
        const Errc e = fail_writes_->load();
        return e != Errc::ok ? e : inner_->write(batch);
    }

  private:
    std::unique_ptr<KvEngine> inner_;
    std::atomic<Errc>* fail_writes_;
    std::atomic<Errc>* fail_gets_;
};

class StoreFailures : public ::testing::Test {
  protected:
    StoreFailures()
        : store_(std::make_unique<FlakyKv>(&fail_writes_, &fail_gets_), StoreOptions{}) {}

    std::atomic<Errc> fail_writes_{Errc::ok};
    std::atomic<Errc> fail_gets_{Errc::ok};
    detail::KvStore store_;
};

TEST_F(StoreFailures, FailedCommitAcknowledgesNothingAndUsesNoSeq) {
    const std::string c = private_conversation("alice", "bob");
    ASSERT_EQ(append(store_, message(c, "alice", "{}", 1, {}, {"bob"})).seq, 1u);

    fail_writes_ = Errc::store_full;
    WorkerGate gate;
    gate.close(store_);
    std::vector<AppendResult> failed(3);
    for (std::size_t i = 0; i < failed.size(); ++i) {
        store_.append(message(c, "alice", "{}", 2, "cm-" + std::to_string(i), {"bob"}),
                      [&failed, i](AppendResult r) { failed[i] = std::move(r); });
    }
    gate.release();
    store_.drain();
    for (const AppendResult& r : failed) {
        EXPECT_EQ(r.error, Errc::store_full);
        EXPECT_EQ(r.seq, 0u);
        EXPECT_TRUE(r.body.empty());
    }
    EXPECT_EQ(ack_inbox(store_, "bob", 1), Errc::store_full);
    EXPECT_EQ(await<Errc>([&](auto cb) { store_.add_member("g", "alice", cb); }), Errc::store_full);

    fail_writes_ = Errc::ok;
    EXPECT_EQ(last_seq(store_, c), 1u);
    const AppendResult next = append(store_, message(c, "alice", "{}", 3, "cm-0", {"bob"}));
    EXPECT_FALSE(next.duplicate);  // the failed append with cm-0 was never stored
    EXPECT_EQ(next.seq, 2u);
    const auto inbox = read_inbox(store_, "bob");
    ASSERT_EQ(inbox.size(), 2u);  // the failed ack removed nothing
    EXPECT_EQ(inbox[1].inbox_seq, 2u);
    EXPECT_EQ(seqs(history(store_, c)), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(store_.stats().appends, 2u);
}

TEST_F(StoreFailures, ReadFailuresAreStoreErrors) {
    const std::string c = group_conversation("g");
    append(store_, message(c, "alice", "{}", 1, "cm-1"));
    fail_gets_ = Errc::store_error;
    // The client-id lookup fails: the append is refused without using a seq.
    const AppendResult r = append(store_, message(c, "alice", "{}", 2, "cm-2"));
    EXPECT_EQ(r.error, Errc::store_error);
    EXPECT_EQ(r.seq, 0u);
    const auto h = await<Result<std::vector<MessageRecord>>>([&](auto cb) {
        HistoryQuery q;
        q.conversation = c;
        store_.history(q, cb);
    });
    ASSERT_TRUE(h.has_error());
    EXPECT_EQ(h.error(), make_error_code(Errc::store_error));
    const auto profile = await<Result<std::optional<std::string>>>(
        [&](auto cb) { store_.get_profile("alice", cb); });
    EXPECT_TRUE(profile.has_error());

    fail_gets_ = Errc::ok;
    EXPECT_EQ(append(store_, message(c, "alice", "{}", 3, "cm-2")).seq, 2u);
}

}  // namespace
}  // namespace jim::store::test
