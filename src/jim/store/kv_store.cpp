// KvStore: the queue, the worker loop and the grouping of calls into commits. The staging of
// writes is in kv_store_write.cpp, reads are in kv_store_read.cpp.
#include "jim/store/kv_store.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>

#include "jim/store/encoding.hpp"

namespace jim::store::detail {
namespace {

// Bounds of one run. A commit of 1024 appends of ~300 bytes is ~0.5 MiB of log: large enough
// that the per-commit cost (a write(2), maybe an fsync) is amortised, small enough that the
// first caller of a run does not wait long for the last.
constexpr std::size_t kMaxRunOps = 4096;
constexpr std::size_t kMaxBatchWrites = 1024;
constexpr std::size_t kMaxBatchBytes = std::size_t{4} << 20;
// Above this many cached entries a cache is dropped and rebuilt lazily from the engine.
constexpr std::size_t kMaxCachedEntries = std::size_t{1} << 20;
// With expiry on, an idle worker still wakes this often to look whether a sweep is due.
constexpr auto kIdleWake = std::chrono::seconds(1);

std::int64_t sweep_interval(std::int64_t ttl_ms) {
    return std::clamp<std::int64_t>(ttl_ms / 10, 1000, 60'000);
}

}  // namespace

KvStore::KvStore(std::unique_ptr<KvEngine> kv, const StoreOptions& options)
    : kv_(std::move(kv)),
      clock_(options.clock != nullptr ? options.clock : &system_clock_),
      ttl_ms_(options.history_ttl_s > 0 ? options.history_ttl_s * 1000 : 0),
      sweep_interval_ms_(sweep_interval(ttl_ms_)),
      inbox_max_(options.inbox_max) {
    next_sweep_ms_ = clock_->now_ms();  // a restart sweeps what expired while it was down
    worker_ = std::thread([this] { run(); });
    pthread_setname_np(worker_.native_handle(), "jim-store");
}

KvStore::~KvStore() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_one();
    worker_.join();
}

void KvStore::enqueue(Op op) {
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        queue_.push_back(std::move(op));
        wake = worker_waiting_;
        worker_waiting_ = false;  // one wake-up per sleep, not one futex call per call
    }
    if (wake) cv_.notify_one();
}

void KvStore::append(AppendRequest request, std::function<void(AppendResult)> done) {
    enqueue(AppendOp{std::move(request), std::move(done), {}});
}

void KvStore::history(HistoryQuery query, Done<std::vector<MessageRecord>> done) {
    enqueue(HistoryOp{std::move(query), std::move(done)});
}

void KvStore::last_seq(std::string conversation, Done<std::uint64_t> done) {
    enqueue(LastSeqOp{std::move(conversation), std::move(done)});
}

void KvStore::read_inbox(std::string user, std::size_t limit, Done<std::vector<InboxEntry>> done) {
    enqueue(InboxOp{std::move(user), limit, std::move(done)});
}

void KvStore::ack_inbox(std::string user, std::uint64_t up_to, std::function<void(Errc)> done) {
    enqueue(AckOp{std::move(user), up_to, std::move(done)});
}

void KvStore::put_profile(std::string user, std::string profile_json,
                          std::function<void(Errc)> done) {
    enqueue(ValueOp{profile_key(user), std::move(profile_json), std::move(done)});
}

void KvStore::get_profile(std::string user, Done<std::optional<std::string>> done) {
    enqueue(GetOp{profile_key(user), std::move(done)});
}

void KvStore::add_member(std::string group, std::string user, std::function<void(Errc)> done) {
    enqueue(MemberOp{std::move(group), std::move(user), true, std::move(done)});
}

void KvStore::remove_member(std::string group, std::string user, std::function<void(Errc)> done) {
    enqueue(MemberOp{std::move(group), std::move(user), false, std::move(done)});
}

void KvStore::members(std::string group, Done<std::vector<std::string>> done) {
    enqueue(ListOp{member_prefix(group), std::move(done)});
}

void KvStore::groups_of(std::string user, Done<std::vector<std::string>> done) {
    enqueue(ListOp{group_of_prefix(user), std::move(done)});
}

void KvStore::put_group_info(std::string group, std::string info_json,
                             std::function<void(Errc)> done) {
    enqueue(ValueOp{group_info_key(group), std::move(info_json), std::move(done)});
}

void KvStore::get_group_info(std::string group, Done<std::optional<std::string>> done) {
    enqueue(GetOp{group_info_key(group), std::move(done)});
}

void KvStore::remove_group_info(std::string group, std::function<void(Errc)> done) {
    enqueue(ValueOp{group_info_key(group), std::nullopt, std::move(done)});
}

void KvStore::add_friend(std::string user, std::string friend_id, std::string category,
                         std::function<void(Errc)> done) {
    enqueue(FriendOp{std::move(user), std::move(friend_id), std::move(category), true,
                     std::move(done)});
}

void KvStore::remove_friend(std::string user, std::string friend_id,
                            std::function<void(Errc)> done) {
    enqueue(FriendOp{std::move(user), std::move(friend_id), {}, false, std::move(done)});
}

void KvStore::friends(std::string user, Done<std::vector<Friend>> done) {
    enqueue(FriendsOp{std::move(user), std::move(done)});
}

void KvStore::followers(std::string user, Done<std::vector<std::string>> done) {
    enqueue(ListOp{follower_prefix(user), std::move(done)});
}

void KvStore::recall(RecallRequest request, std::function<void(RecallResult)> done) {
    enqueue(RecallOp{std::move(request), std::move(done), {}});
}

void KvStore::delete_message(DeleteRequest request, std::function<void(DeleteResult)> done) {
    enqueue(DeleteOp{std::move(request), std::move(done), {}});
}

void KvStore::set_read_cursor(std::string user, std::string conversation, std::uint64_t seq,
                              Done<std::uint64_t> done) {
    enqueue(CursorOp{std::move(user), std::move(conversation), seq, std::move(done)});
}

void KvStore::recent_conversations(std::string user, std::size_t limit,
                                   Done<std::vector<ConversationSummary>> done) {
    enqueue(RecentOp{std::move(user), limit, std::move(done)});
}

void KvStore::put_ban(std::string user, std::string reason, std::function<void(Errc)> done) {
    enqueue(BanOp{std::move(user), std::move(reason), true, std::move(done)});
}

void KvStore::remove_ban(std::string user, std::function<void(Errc)> done) {
    enqueue(BanOp{std::move(user), {}, false, std::move(done)});
}

void KvStore::bans(Done<std::vector<Ban>> done) {
    enqueue(BansOp{std::move(done)});
}

void KvStore::drain() {
    std::promise<void> finished;
    std::future<void> f = finished.get_future();
    enqueue(DrainOp{&finished});
    f.wait();
}

StoreStats KvStore::stats() const {
    StoreStats s;
    s.appends = appends_.load(std::memory_order_relaxed);
    s.commits = commits_.load(std::memory_order_relaxed);
    s.duplicates = duplicates_.load(std::memory_order_relaxed);
    s.inbox_dropped = inbox_dropped_.load(std::memory_order_relaxed);
    s.history_expired = history_expired_.load(std::memory_order_relaxed);
    commit_latency_.add_to(s.commit_latency);
    s.engine_memory = kv_->memory();
    return s;
}

bool KvStore::is_write(const Op& op) {
    return std::holds_alternative<AppendOp>(op) || std::holds_alternative<AckOp>(op) ||
           std::holds_alternative<ValueOp>(op) || std::holds_alternative<MemberOp>(op) ||
           std::holds_alternative<FriendOp>(op) || std::holds_alternative<RecallOp>(op) ||
           std::holds_alternative<DeleteOp>(op) || std::holds_alternative<CursorOp>(op) ||
           std::holds_alternative<BanOp>(op);
}

std::size_t KvStore::write_bytes(const Op& op) {
    if (const auto* a = std::get_if<AppendOp>(&op)) return a->request.body.size() + 64;
    if (const auto* v = std::get_if<ValueOp>(&op)) {
        return (v->value ? v->value->size() : 0) + 64;
    }
    return 64;
}

void KvStore::run() {
    std::vector<Op> ops;
    ops.reserve(kMaxRunOps);
    for (;;) {
        {
            std::unique_lock lock(mu_);
            const auto ready = [this] { return !queue_.empty() || stopping_; };
            if (!ready() && !sweeping_) {
                worker_waiting_ = true;
                if (ttl_ms_ > 0) {
                    cv_.wait_for(lock, kIdleWake, ready);
                } else {
                    cv_.wait(lock, ready);
                }
                worker_waiting_ = false;
            }
            if (queue_.empty() && stopping_) return;
            take_run(ops);
        }
        // Before the calls, so a call made after the clock passed a sweep time sees it done.
        if (ttl_ms_ > 0) sweep_step();
        process(ops);
        ops.clear();
        if (seqs_.size() > kMaxCachedEntries || inboxes_.size() > kMaxCachedEntries) {
            forget_cached_state();
        }
    }
}

// Takes reads* writes* reads* from the queue front. Leading reads run before the commit and so
// do not see its writes (they were queued first); trailing reads run after it. A write behind
// a trailing read is left for the next run, since that read must not see it.
void KvStore::take_run(std::vector<Op>& ops) {
    bool seen_write = false;
    bool trailing_reads = false;
    std::size_t writes = 0;
    std::size_t bytes = 0;
    while (!queue_.empty() && ops.size() < kMaxRunOps) {
        Op& op = queue_.front();
        if (is_write(op)) {
            if (trailing_reads || writes == kMaxBatchWrites || bytes >= kMaxBatchBytes) break;
            seen_write = true;
            ++writes;
            bytes += write_bytes(op);
        } else if (seen_write) {
            trailing_reads = true;
        }
        ops.push_back(std::move(op));
        queue_.pop_front();
    }
}

void KvStore::process(std::vector<Op>& ops) {
    std::size_t i = 0;
    for (; i < ops.size() && !is_write(ops[i]); ++i) execute_read(ops[i]);
    const std::size_t first_write = i;
    Batch batch;
    for (; i < ops.size() && is_write(ops[i]); ++i) stage(ops[i], batch);
    stage_cursors(batch);
    Errc committed = Errc::ok;
    if (!batch.kv.empty()) {
        const auto start = std::chrono::steady_clock::now();
        committed = kv_->write(batch.kv);
        commit_latency_.observe(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start));
        if (committed == Errc::ok) {
            commits_.fetch_add(1, std::memory_order_relaxed);
            inbox_dropped_.fetch_add(batch.inbox_dropped, std::memory_order_relaxed);
        } else {
            // The caches already count this batch's seqs and inbox entries; the engine is the
            // truth, so rebuild from it.
            forget_cached_state();
        }
    }
    for (std::size_t w = first_write; w < i; ++w) complete_write(ops[w], committed);
    for (; i < ops.size(); ++i) execute_read(ops[i]);
}

void KvStore::forget_cached_state() {
    seqs_.clear();
    inboxes_.clear();
}

}  // namespace jim::store::detail
