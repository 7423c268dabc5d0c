#pragma once
// KvStore: every MessageStore contract (seq, group commit, idempotency, inboxes, expiry,
// memberships, group info, contact lists) implemented once over an ordered key-value engine
// (kv.hpp).
//
// One worker thread drains a queue of calls. It takes a run of the form
//   reads* writes* reads*
// (never a write after a trailing read, so each call observes exactly the calls queued before
// it), runs the leading reads, stages every write of the run into ONE batch, commits it with one
// engine write (group commit: one log write and at most one fsync for all of them), runs the
// writes' callbacks in order, then the trailing reads. docs/storage.md has the design.
//
// Role: the MessageStore behind open_store() for the memory and RocksDB engines.
// Owner: whoever opened it; the destructor completes every queued call, then joins the worker.
// Thread: public methods any thread; members below the queue are the worker thread's only.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "jim/store/kv.hpp"
#include "jim/store/message_store.hpp"

namespace jim::store::detail {

// std::visit over several lambdas (the deduction guide is for clang 14, which lacks aggregate
// class template argument deduction).
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

class KvStore final : public MessageStore {
  public:
    KvStore(std::unique_ptr<KvEngine> kv, const StoreOptions& options);
    ~KvStore() override;
    KvStore(const KvStore&) = delete;
    KvStore& operator=(const KvStore&) = delete;

    void append(AppendRequest request, std::function<void(AppendResult)> done) override;
    void history(HistoryQuery query, Done<std::vector<MessageRecord>> done) override;
    void last_seq(std::string conversation, Done<std::uint64_t> done) override;
    void read_inbox(std::string user, std::size_t limit,
                    Done<std::vector<InboxEntry>> done) override;
    void ack_inbox(std::string user, std::uint64_t up_to, std::function<void(Errc)> done) override;
    void put_profile(std::string user, std::string profile_json,
                     std::function<void(Errc)> done) override;
    void get_profile(std::string user, Done<std::optional<std::string>> done) override;
    void add_member(std::string group, std::string user, std::function<void(Errc)> done) override;
    void remove_member(std::string group, std::string user,
                       std::function<void(Errc)> done) override;
    void members(std::string group, Done<std::vector<std::string>> done) override;
    void groups_of(std::string user, Done<std::vector<std::string>> done) override;
    void put_group_info(std::string group, std::string info_json,
                        std::function<void(Errc)> done) override;
    void get_group_info(std::string group, Done<std::optional<std::string>> done) override;
    void remove_group_info(std::string group, std::function<void(Errc)> done) override;
    void add_friend(std::string user, std::string friend_id, std::string category,
                    std::function<void(Errc)> done) override;
    void remove_friend(std::string user, std::string friend_id,
                       std::function<void(Errc)> done) override;
    void friends(std::string user, Done<std::vector<Friend>> done) override;
    void followers(std::string user, Done<std::vector<std::string>> done) override;
    void recall(RecallRequest request, std::function<void(RecallResult)> done) override;
    void delete_message(DeleteRequest request, std::function<void(DeleteResult)> done) override;
    void set_read_cursor(std::string user, std::string conversation, std::uint64_t seq,
                         Done<std::uint64_t> done) override;
    void recent_conversations(std::string user, std::size_t limit,
                              Done<std::vector<ConversationSummary>> done) override;
    void put_ban(std::string user, std::string reason, std::function<void(Errc)> done) override;
    void remove_ban(std::string user, std::function<void(Errc)> done) override;
    void bans(Done<std::vector<Ban>> done) override;
    void drain() override;
    StoreStats stats() const override;

  private:
    // Queued calls. Writes carry their staged result until their batch is committed.
    struct AppendOp {
        AppendRequest request;
        std::function<void(AppendResult)> done;
        AppendResult result;
    };
    struct AckOp {
        std::string user;
        std::uint64_t up_to;
        std::function<void(Errc)> done;
        Errc result = Errc::ok;
    };
    // Puts (or, without a value, deletes) one key: profiles and group info.
    struct ValueOp {
        std::string key;
        std::optional<std::string> value;
        std::function<void(Errc)> done;
        Errc result = Errc::ok;
    };
    struct MemberOp {
        std::string group;
        std::string user;
        bool add;
        std::function<void(Errc)> done;
        Errc result = Errc::ok;
    };
    struct FriendOp {
        std::string user;
        std::string friend_id;
        std::string category;
        bool add;
        std::function<void(Errc)> done;
        Errc result = Errc::ok;
    };
    struct BanOp {
        std::string user;
        std::string reason;
        bool add;
        std::function<void(Errc)> done;
        Errc result = Errc::ok;
    };
    struct BansOp {
        Done<std::vector<Ban>> done;
    };
    struct FriendsOp {
        std::string user;
        Done<std::vector<Friend>> done;
    };
    struct RecallOp {
        RecallRequest request;
        std::function<void(RecallResult)> done;
        RecallResult result;
    };
    struct DeleteOp {
        DeleteRequest request;
        std::function<void(DeleteResult)> done;
        DeleteResult result;
    };
    struct CursorOp {
        std::string user;
        std::string conversation;
        std::uint64_t seq;
        Done<std::uint64_t> done;
        Result<std::uint64_t> result = std::uint64_t{0};
    };
    struct RecentOp {
        std::string user;
        std::size_t limit;
        Done<std::vector<ConversationSummary>> done;
    };
    struct HistoryOp {
        HistoryQuery query;
        Done<std::vector<MessageRecord>> done;
    };
    struct LastSeqOp {
        std::string conversation;
        Done<std::uint64_t> done;
    };
    struct InboxOp {
        std::string user;
        std::size_t limit;
        Done<std::vector<InboxEntry>> done;
    };
    // Reads one key: profiles and group info.
    struct GetOp {
        std::string key;
        Done<std::optional<std::string>> done;
    };
    struct ListOp {
        std::string prefix;  // member_prefix(group), group_of_prefix(user), follower_prefix(user)
        Done<std::vector<std::string>> done;
    };
    struct DrainOp {
        std::promise<void>* done;
    };
    using Op = std::variant<AppendOp, AckOp, ValueOp, MemberOp, FriendOp, RecallOp, DeleteOp,
                            CursorOp, HistoryOp, LastSeqOp, InboxOp, GetOp, ListOp, FriendsOp,
                            RecentOp, BanOp, BansOp, DrainOp>;

    // Live inbox entries of one user are exactly inbox_seq in [head, tail]: entries are added at
    // the tail and removed only from the head (ack, inbox_max), so the range has no holes.
    struct InboxState {
        std::uint64_t head = 1;
        std::uint64_t tail = 0;
    };

    // What one group commit stages besides the mutations.
    struct Batch {
        KvBatch kv;
        // client-id key -> the first append of this batch that used it (duplicates in one batch).
        std::unordered_map<std::string, const AppendResult*> client_ids;
        // Read cursors and message records rewritten in this batch (the engine does not see them
        // before the commit): key -> value. Cursors are written once each, by stage_cursors().
        std::unordered_map<std::string, std::uint64_t> cursors;
        struct StagedRecord {
            std::optional<MessageRecord> message;  // nullopt once deleted
            std::string client_msg_id;
        };
        std::unordered_map<std::string, StagedRecord> records;
        std::uint64_t inbox_dropped = 0;
    };

    static bool is_write(const Op& op);
    static std::size_t write_bytes(const Op& op);
    void enqueue(Op op);
    void run();
    void take_run(std::vector<Op>& ops);
    void process(std::vector<Op>& ops);
    void forget_cached_state();

    // Reads (kv_store_read.cpp).
    void execute_read(Op& op);
    Result<std::vector<MessageRecord>> read_history(const HistoryQuery& q);
    Result<std::vector<MessageRecord>> read_history_by_time(const HistoryQuery& q);
    Result<std::vector<InboxEntry>> read_inbox_entries(const std::string& user, std::size_t limit);
    Result<std::vector<std::string>> read_list(const std::string& prefix);
    Result<std::vector<Friend>> read_friends(const std::string& user);
    Result<std::vector<Ban>> read_bans();
    Result<std::optional<MessageRecord>> read_message(const std::string& conversation,
                                                      std::uint64_t seq);
    std::int64_t expiry_cutoff() const;
    Result<std::optional<MessageRecord>> newest_message(const std::string& conversation,
                                                        std::uint64_t last);
    Result<std::vector<ConversationSummary>> read_recent(const std::string& user,
                                                         std::size_t limit);

    // Writes (kv_store_write.cpp).
    void stage(Op& op, Batch& batch);
    void complete_write(Op& op, Errc committed);
    void stage_append(AppendOp& op, Batch& batch);
    Result<bool> find_original(const std::string& client_key, AppendResult& result);
    void stage_inbox_entry(const std::string& user, InboxState& inbox, const std::string& ref,
                           Batch& batch);
    void stage_ack(AckOp& op, Batch& batch);
    // Recall and read cursors (kv_store_receipts.cpp).
    void stage_cursors(Batch& batch);
    void stage_recall(RecallOp& op, Batch& batch);
    void stage_delete(DeleteOp& op, Batch& batch);
    Result<std::optional<MessageRecord>> staged_message(const std::string& conversation,
                                                        std::uint64_t seq, const Batch& batch,
                                                        std::string& client_msg_id);
    void stage_cursor(CursorOp& op, Batch& batch);
    void stage_sender_cursor(const AppendRequest& r, std::uint64_t seq, Batch& batch);
    Result<std::uint64_t> cursor_in(const std::string& key, const Batch& batch);
    void remove_inbox_range(const std::string& user, std::uint64_t from, std::uint64_t to,
                            KvBatch& batch);
    Result<std::uint64_t*> conversation_seq(const std::string& conversation);
    Result<InboxState*> inbox_state(const std::string& user);
    Result<std::uint64_t> read_floor(const std::string& key);
    Result<std::uint64_t> last_suffix_seq(const std::string& prefix);
    void sweep_step();

    const std::unique_ptr<KvEngine> kv_;
    const SystemClock system_clock_;
    const Clock* const clock_;
    const std::int64_t ttl_ms_;
    const std::int64_t sweep_interval_ms_;
    const std::size_t inbox_max_;

    std::atomic<std::uint64_t> appends_{0};
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> duplicates_{0};
    std::atomic<std::uint64_t> inbox_dropped_{0};
    std::atomic<std::uint64_t> history_expired_{0};
    LatencyHistogram commit_latency_;  // written by the worker thread only

    std::mutex mu_;  // guards the four members below
    std::condition_variable cv_;
    std::deque<Op> queue_;
    bool stopping_ = false;
    bool worker_waiting_ = false;

    // Worker-thread state. Both caches only mirror what the engine holds, so they may be
    // dropped between batches at any time (forget_cached_state) and rebuilt lazily.
    std::unordered_map<std::string, std::uint64_t> seqs_;  // conversation -> last seq
    std::unordered_map<std::string, InboxState> inboxes_;  // user -> live inbox range
    std::int64_t next_sweep_ms_ = 0;
    bool sweeping_ = false;
    std::string sweep_cursor_;  // where the running expiry sweep continues

    std::thread worker_;  // last: started once everything above is initialised
};

}  // namespace jim::store::detail
