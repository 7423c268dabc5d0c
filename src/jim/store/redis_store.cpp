#include "jim/store/redis_store.hpp"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "jim/redis/link.hpp"
#include "jim/store/encoding.hpp"
#include "jim/store/redis_append_batch.hpp"
#include "jim/store/redis_scripts.hpp"

namespace jim::store {
namespace {

using redis::Reply;

std::string sha1_hex(std::string_view text) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
    }
    return out;
}

// A script and its SHA-1, for EVALSHA. Loaded on every new connection (a restarted Redis has
// an empty script cache).
struct Script {
    explicit Script(std::string_view source) : text(source), sha(sha1_hex(source)) {}
    std::string_view text;
    std::string sha;
};

// Anything but a well-formed answer: nothing is known to be stored.
Errc reply_error(const Reply& r) {
    if (r.type() == Reply::Type::error && r.str().starts_with("OOM")) return Errc::store_full;
    return Errc::store_error;
}

std::string decimal(std::uint64_t v) {
    return std::to_string(v);
}
std::string decimal(std::int64_t v) {
    return std::to_string(v);
}

bool to_u64(const Reply& r, std::uint64_t& out) {
    const auto v = r.integer();
    if (!v || *v < 0) return false;
    out = static_cast<std::uint64_t>(*v);
    return true;
}

// The checks of RecallRequest on the record as stored (`stored`), in their order. On success
// `rewritten` is the record to write and result.message the message as it will be stored.
RecallResult check_recall(const RecallRequest& r, std::string_view stored, std::int64_t cutoff,
                          std::string& rewritten) {
    RecallResult res;
    MessageRecord& m = res.message;
    std::string client_msg_id;
    if (!detail::decode_message(stored, m, &client_msg_id)) {
        res.error = Errc::store_error;
    } else if (m.id != r.id || m.create_time < cutoff) {
        res.error = Errc::not_found;
    } else if (!r.sender.empty() && m.sender != r.sender) {
        res.error = Errc::forbidden;
    } else if (m.recalled) {
        res.already = true;
    } else if (m.create_time < r.sent_after) {
        res.error = Errc::recall_too_late;
    }
    m.conversation = r.conversation;
    m.seq = r.seq;
    if (res.error != Errc::ok || res.already) return res;
    if (r.rewrite) m.body = r.rewrite(m);
    m.recalled = true;
    rewritten = detail::encode_record(m, client_msg_id);
    return res;
}

// Newest last message first (by create_time, then by the time-ordered id), as KvStore.
void sort_recent(std::vector<ConversationSummary>& out, std::size_t limit) {
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        if (x.last.create_time != y.last.create_time) {
            return x.last.create_time > y.last.create_time;
        }
        return x.last.id > y.last.id;
    });
    if (out.size() > limit) out.resize(limit);
}

// Role: the redis engine (see redis_store.hpp). Owner: whoever opened it; the destructor
// completes every call made before it, then stops the thread.
// Thread: public methods any thread; everything else the store thread (io_) only.
class RedisStore final : public MessageStore {
  public:
    RedisStore(const StoreOptions& options, redis::Endpoint endpoint)
        : prefix_(options.redis_prefix),
          clock_(options.clock != nullptr ? options.clock : &system_clock_),
          ttl_ms_(options.history_ttl_s * 1000),
          sweep_interval_ms_(std::clamp<std::int64_t>(ttl_ms_ / 10, 1000, 60'000)),
          inbox_max_(options.inbox_max),
          guard_(io_.get_executor()) {
        redis::LinkOptions lo;
        lo.endpoint = std::move(endpoint);
        lo.name = "store redis";
        link_ = std::make_unique<redis::Link>(io_, lo);
        link_->on_up([this] { load_scripts(); });
        thread_ = std::thread([this] { io_.run(); });
        boost::asio::post(io_, [this] { link_->start(); });
    }

    ~RedisStore() override {
        drain();
        std::promise<void> done;
        boost::asio::post(io_, [this, &done] {
            link_.reset();
            done.set_value();
        });
        done.get_future().wait();
        guard_.reset();
        io_.stop();
        thread_.join();
    }
    RedisStore(const RedisStore&) = delete;
    RedisStore& operator=(const RedisStore&) = delete;

    // Start-up: waits a little for the server and checks its durability settings. Throws only
    // when the server answers with a configuration that cannot keep options.sync.
    void check_server(const std::string& sync, std::chrono::milliseconds wait);

    redis::LinkState link_state() const { return link_->state(); }

    void append(AppendRequest request, std::function<void(AppendResult)> done) override {
        submit(
            [this, request = std::move(request), done = std::move(done)]() mutable {
                do_append(std::move(request), std::move(done));
            },
            Call::append);
    }
    void history(HistoryQuery query, Done<std::vector<MessageRecord>> done) override {
        submit([this, query = std::move(query), done = std::move(done)]() mutable {
            do_history(std::move(query), std::move(done));
        });
    }
    void last_seq(std::string conversation, Done<std::uint64_t> done) override {
        submit([this, conversation = std::move(conversation), done = std::move(done)] {
            const std::string key = conv_key(conversation, "seq");
            link_->command({"GET", key}, [done](Reply r) {
                std::uint64_t seq = 0;
                if (r.is_nil() || to_u64(r, seq)) {
                    if (done) done(seq);
                } else if (done) {
                    done(reply_error(r));
                }
            });
        });
    }
    void read_inbox(std::string user, std::size_t limit,
                    Done<std::vector<InboxEntry>> done) override {
        submit([this, user = std::move(user), limit, done = std::move(done)]() mutable {
            do_read_inbox(user, limit, std::move(done));
        });
    }
    void ack_inbox(std::string user, std::uint64_t up_to, std::function<void(Errc)> done) override {
        submit([this, user = std::move(user), up_to, done = std::move(done)] {
            const std::string keys[] = {user_key(user, "inbox"), user_key(user, "inbox_base")};
            note_write();
            eval(ack_, keys, {decimal(up_to)}, [done](Reply r) {
                if (done) done(r.ok() ? Errc::ok : reply_error(r));
            });
        });
    }
    void put_profile(std::string user, std::string profile_json,
                     std::function<void(Errc)> done) override {
        submit(
            [this, user = std::move(user), json = std::move(profile_json), done = std::move(done)] {
                note_write();
                link_->command({"SET", user_key(user, "profile"), json}, errc_callback(done));
            });
    }
    void get_profile(std::string user, Done<std::optional<std::string>> done) override {
        submit([this, user = std::move(user), done = std::move(done)] {
            link_->command({"GET", user_key(user, "profile")}, optional_callback(done));
        });
    }
    void add_member(std::string group, std::string user, std::function<void(Errc)> done) override {
        membership(std::move(group), std::move(user), true, std::move(done));
    }
    void remove_member(std::string group, std::string user,
                       std::function<void(Errc)> done) override {
        membership(std::move(group), std::move(user), false, std::move(done));
    }
    void members(std::string group, Done<std::vector<std::string>> done) override {
        submit([this, group = std::move(group), done = std::move(done)] {
            link_->command({"SMEMBERS", group_key(group, "members")}, list_callback(done));
        });
    }
    void groups_of(std::string user, Done<std::vector<std::string>> done) override {
        submit([this, user = std::move(user), done = std::move(done)] {
            link_->command({"SMEMBERS", user_key(user, "groups")}, list_callback(done));
        });
    }

    // Group info: one string per group, beside its members (same hash tag).
    void put_group_info(std::string group, std::string info_json,
                        std::function<void(Errc)> done) override {
        submit(
            [this, group = std::move(group), json = std::move(info_json), done = std::move(done)] {
                note_write();
                link_->command({"SET", group_key(group, "info"), json}, errc_callback(done));
            });
    }
    void get_group_info(std::string group, Done<std::optional<std::string>> done) override {
        submit([this, group = std::move(group), done = std::move(done)] {
            link_->command({"GET", group_key(group, "info")}, optional_callback(done));
        });
    }
    void remove_group_info(std::string group, std::function<void(Errc)> done) override {
        submit([this, group = std::move(group), done = std::move(done)] {
            note_write();
            link_->command({"DEL", group_key(group, "info")}, errc_callback(done));
        });
    }

    void add_friend(std::string user, std::string friend_id, std::string category,
                    std::function<void(Errc)> done) override {
        submit([this, user = std::move(user), friend_id = std::move(friend_id),
                category = std::move(category), done = std::move(done)] {
            const std::string keys[] = {user_key(user, "friends"),
                                        user_key(friend_id, "followers")};
            note_write();
            eval(friendship_, keys, {user, friend_id, category, "1"}, errc_callback(done));
        });
    }
    void remove_friend(std::string user, std::string friend_id,
                       std::function<void(Errc)> done) override {
        submit([this, user = std::move(user), friend_id = std::move(friend_id),
                done = std::move(done)] {
            const std::string keys[] = {user_key(user, "friends"),
                                        user_key(friend_id, "followers")};
            note_write();
            eval(friendship_, keys, {user, friend_id, "", "0"}, errc_callback(done));
        });
    }
    void friends(std::string user, Done<std::vector<Friend>> done) override {
        submit([this, user = std::move(user), done = std::move(done)] {
            link_->command({"HGETALL", user_key(user, "friends")}, [done](Reply r) {
                if (!done) return;
                if (r.type() != Reply::Type::array || r.size() % 2 != 0) {
                    return done(reply_error(r));
                }
                std::vector<Friend> out(r.size() / 2);
                for (std::size_t i = 0; i < out.size(); ++i) {
                    out[i].user = std::string(r.at(2 * i).str());
                    out[i].category = std::string(r.at(2 * i + 1).str());
                }
                std::sort(out.begin(), out.end(),
                          [](const Friend& a, const Friend& b) { return a.user < b.user; });
                done(std::move(out));
            });
        });
    }
    void followers(std::string user, Done<std::vector<std::string>> done) override {
        submit([this, user = std::move(user), done = std::move(done)] {
            link_->command({"SMEMBERS", user_key(user, "followers")}, list_callback(done));
        });
    }

    void delete_message(DeleteRequest request, std::function<void(DeleteResult)> done) override {
        submit([this, request = std::move(request), done = std::move(done)]() mutable {
            do_delete(std::move(request), std::move(done));
        });
    }

    // Bans: one hash, user -> reason.
    void put_ban(std::string user, std::string reason, std::function<void(Errc)> done) override {
        submit([this, user = std::move(user), reason = std::move(reason), done = std::move(done)] {
            note_write();
            link_->command({"HSET", prefix_ + ":bans", user, reason}, errc_callback(done));
        });
    }
    void remove_ban(std::string user, std::function<void(Errc)> done) override {
        submit([this, user = std::move(user), done = std::move(done)] {
            note_write();
            link_->command({"HDEL", prefix_ + ":bans", user}, errc_callback(done));
        });
    }
    void bans(Done<std::vector<Ban>> done) override {
        submit([this, done = std::move(done)] {
            link_->command({"HGETALL", prefix_ + ":bans"}, [done](Reply r) {
                if (!done) return;
                if (r.type() != Reply::Type::array || r.size() % 2 != 0) {
                    return done(reply_error(r));
                }
                std::vector<Ban> out(r.size() / 2);
                for (std::size_t i = 0; i < out.size(); ++i) {
                    out[i].user = std::string(r.at(2 * i).str());
                    out[i].reason = std::string(r.at(2 * i + 1).str());
                }
                std::sort(out.begin(), out.end(),
                          [](const Ban& a, const Ban& b) { return a.user < b.user; });
                done(std::move(out));
            });
        });
    }

    // Recall and receipts (P5): docs/storage.md, "Redis engine". recall and
    // recent_conversations need two round trips and hold later calls meanwhile.
    void recall(RecallRequest request, std::function<void(RecallResult)> done) override {
        submit([this, request = std::move(request), done = std::move(done)]() mutable {
            hold_later_calls();
            do_recall(std::move(request), std::move(done), 1);
        });
    }
    void set_read_cursor(std::string user, std::string conversation, std::uint64_t seq,
                         Done<std::uint64_t> done) override {
        submit([this, user = std::move(user), conversation = std::move(conversation), seq,
                done = std::move(done)] {
            const std::string keys[] = {user_key(user, "cursors"), conv_key(conversation, "seq")};
            note_write();
            eval(read_cursor_, keys, {conversation, decimal(seq)}, [done](Reply r) {
                std::uint64_t cursor = 0;
                if (!done) return;
                if (to_u64(r, cursor)) return done(cursor);
                done(reply_error(r));
            });
        });
    }
    void recent_conversations(std::string user, std::size_t limit,
                              Done<std::vector<ConversationSummary>> done) override {
        submit([this, user = std::move(user), limit, done = std::move(done)]() mutable {
            hold_later_calls();
            do_recent(user, limit, std::move(done));
        });
    }

    // A PING queued behind every earlier call answers after all of theirs (one connection,
    // answers in order); while the link is down everything fails at once, in order.
    void drain() override {
        std::promise<void> done;
        submit([this, &done] { link_->command({"PING"}, [&done](Reply) { done.set_value(); }); });
        done.get_future().wait();
    }

    StoreStats stats() const override {
        StoreStats s;
        s.appends = appends_.load(std::memory_order_relaxed);
        s.commits = commits_.load(std::memory_order_relaxed);
        s.duplicates = duplicates_.load(std::memory_order_relaxed);
        s.inbox_dropped = inbox_dropped_.load(std::memory_order_relaxed);
        s.history_expired = history_expired_.load(std::memory_order_relaxed);
        return s;
    }

  private:
    // Every call runs on the store thread in call order (one io_context, FIFO posts). Commands
    // issued by the calls of one pass are written together: the link posts its write behind
    // them.
    //
    // Appends wait in batch_ until the end of the pass (or the batch before them is answered);
    // any other call sends them first, so it still sees them (send_appends).
    enum class Call : std::uint8_t { append, other };
    template <class F>
    void submit(F f, Call kind = Call::other) {
        boost::asio::post(io_, [this, kind, f = std::move(f)]() mutable {
            if (holding_) {
                held_calls_.emplace_back([this, kind, f = std::move(f)]() mutable {
                    start_call(kind);
                    f();
                });
                return;
            }
            start_call(kind);
            f();
        });
    }
    void start_call(Call kind) {
        if (kind != Call::append) send_appends();
        sweep_if_due();
    }

    // A call that needs an answer before it can send its next command (recall,
    // recent_conversations) holds every later call until release_later_calls(), so those still
    // see it complete: call order is kept without a script that reads keys of other owners.
    void hold_later_calls() { holding_ = true; }
    // Posted, so that held calls never run inside the link's reply callback.
    void release_later_calls() {
        boost::asio::post(io_, [this] {
            holding_ = false;
            while (!holding_ && !held_calls_.empty()) {
                auto f = std::move(held_calls_.front());
                held_calls_.pop_front();
                f();
            }
        });
    }

    // Counts group commits: the writes issued before the link's next write are one pipeline.
    void note_write() {
        if (commit_pending_) return;
        commit_pending_ = true;
        boost::asio::post(io_, [this] {
            commit_pending_ = false;
            commits_.fetch_add(1, std::memory_order_relaxed);
        });
    }

    // Runs `f` after the answers of every earlier call (callbacks stay in call order even for a
    // call that needs no Redis work).
    void after_earlier_calls(std::function<void()> f) {
        send_appends();
        link_->command({"PING"}, [f = std::move(f)](Reply) { f(); });
    }

    std::string conv_key(std::string_view conversation, std::string_view what) const {
        return prefix_ + ":{c:" + std::string(conversation) + "}:" + std::string(what);
    }
    std::string user_key(std::string_view user, std::string_view what) const {
        return prefix_ + ":{u:" + std::string(user) + "}:" + std::string(what);
    }
    std::string group_key(std::string_view group, std::string_view what) const {
        return prefix_ + ":{g:" + std::string(group) + "}:" + std::string(what);
    }
    // Messages created before this have expired (history_ttl_s).
    std::int64_t cutoff() const {
        return ttl_ms_ == 0 ? std::numeric_limits<std::int64_t>::min() : clock_->now_ms() - ttl_ms_;
    }
    // The read cursors the first message of a private conversation files it in: the other
    // user's; the sender's own for a group (the script then files nothing more).
    std::string cursors_of_other(const AppendRequest& r) const {
        std::string_view a, b;
        if (!users_of_conversation(r.conversation, a, b)) return user_key(r.sender, "cursors");
        return user_key(a == r.sender ? b : a, "cursors");
    }
    std::string cutoff_arg() const {
        return ttl_ms_ == 0 ? std::string() : decimal(clock_->now_ms() - ttl_ms_);
    }

    void eval(const Script& script, std::span<const std::string> keys,
              std::initializer_list<std::string> args, redis::Link::Callback done) {
        std::vector<std::string_view> argv;
        argv.reserve(3 + keys.size() + args.size());
        const std::string nkeys = decimal(static_cast<std::uint64_t>(keys.size()));
        argv.push_back("EVALSHA");
        argv.push_back(script.sha);
        argv.push_back(nkeys);
        for (const auto& k : keys) argv.push_back(k);
        for (const auto& a : args) argv.push_back(a);
        link_->command(argv, std::move(done));
    }

    void load_scripts() {
        for (const Script* s : {&append_, &history_, &inbox_, &ack_, &membership_, &friendship_,
                                &sweep_, &recall_swap_, &read_cursor_, &last_message_, &delete_}) {
            link_->command({"SCRIPT", "LOAD", s->text}, [](Reply r) {
                if (!r.ok()) spdlog::error("store redis: SCRIPT LOAD failed: {}", r.str());
            });
        }
    }

    void do_append(AppendRequest request, std::function<void(AppendResult)> done);
    void send_appends();
    void send_appends_at_end_of_pass();
    void do_history(HistoryQuery query, Done<std::vector<MessageRecord>> done);
    void do_read_inbox(const std::string& user, std::size_t limit,
                       Done<std::vector<InboxEntry>> done);
    void do_delete(DeleteRequest request, std::function<void(DeleteResult)> done);
    void membership(std::string group, std::string user, bool add, std::function<void(Errc)> done);
    void do_recall(RecallRequest request, std::function<void(RecallResult)> done, int attempt);
    void do_recent(const std::string& user, std::size_t limit,
                   Done<std::vector<ConversationSummary>> done);
    void sweep_if_due();

    static redis::Link::Callback errc_callback(std::function<void(Errc)> done) {
        return [done = std::move(done)](Reply r) {
            if (done) done(r.ok() ? Errc::ok : reply_error(r));
        };
    }
    // A GET: nullopt for a missing key.
    static redis::Link::Callback optional_callback(Done<std::optional<std::string>> done) {
        return [done = std::move(done)](Reply r) {
            if (!done) return;
            if (r.is_nil()) return done(std::optional<std::string>());
            if (r.type() == Reply::Type::string) {
                return done(std::optional<std::string>(std::string(r.str())));
            }
            done(reply_error(r));
        };
    }
    static redis::Link::Callback list_callback(Done<std::vector<std::string>> done) {
        return [done = std::move(done)](Reply r) {
            if (!done) return;
            if (r.type() != Reply::Type::array) return done(reply_error(r));
            std::vector<std::string> out;
            out.reserve(r.size());
            for (std::size_t i = 0; i < r.size(); ++i) out.emplace_back(r.at(i).str());
            std::sort(out.begin(), out.end());
            done(std::move(out));
        };
    }

    const std::string prefix_;
    const SystemClock system_clock_;
    const Clock* const clock_;
    const std::int64_t ttl_ms_;
    const std::int64_t sweep_interval_ms_;
    const std::size_t inbox_max_;
    // Appends per script call, at most, and script calls of appends unanswered before the next
    // batch waits (bench/RESULTS.md).
    static constexpr std::size_t kMaxBatch = 256;
    static constexpr int kMaxBatchesInFlight = 2;
    const Script append_{detail::redis_lua::kAppend};
    const Script history_{detail::redis_lua::kHistory};
    const Script inbox_{detail::redis_lua::kReadInbox};
    const Script ack_{detail::redis_lua::kAckInbox};
    const Script membership_{detail::redis_lua::kMembership};
    const Script friendship_{detail::redis_lua::kFriendship};
    const Script sweep_{detail::redis_lua::kSweep};
    const Script recall_swap_{detail::redis_lua::kRecallSwap};
    const Script read_cursor_{detail::redis_lua::kReadCursor};
    const Script last_message_{detail::redis_lua::kLastMessage};
    const Script delete_{detail::redis_lua::kDelete};

    std::atomic<std::uint64_t> appends_{0};
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> duplicates_{0};
    std::atomic<std::uint64_t> inbox_dropped_{0};
    std::atomic<std::uint64_t> history_expired_{0};

    // Store thread only.
    bool commit_pending_ = false;
    bool holding_ = false;  // see hold_later_calls()
    std::shared_ptr<detail::AppendBatch> batch_ = std::make_shared<detail::AppendBatch>();
    int batches_in_flight_ = 0;
    bool send_posted_ = false;                      // send_appends_at_end_of_pass() is queued
    std::deque<std::function<void()>> held_calls_;  // in call order
    std::int64_t next_sweep_ms_ = 0;                // 0: at the first call

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::unique_ptr<redis::Link> link_;
    std::thread thread_;  // last: started once everything above is initialised
};

void RedisStore::do_append(AppendRequest request, std::function<void(AppendResult)> done) {
    // The body with "seq":0} spliced in tells where the seq goes: everything before the 0 is the
    // head, "}" the tail; the script writes head + seq + tail, exactly what splice_seq would.
    std::string probe;
    if (!detail::splice_seq(request.body, 0, probe)) {
        return after_earlier_calls([done] {
            AppendResult r;
            r.error = Errc::store_error;
            if (done) done(std::move(r));
        });
    }
    probe.resize(probe.size() - 2);  // drop "0}"
    std::vector<std::string> keys = {
        conv_key(request.conversation, "seq"),  conv_key(request.conversation, "msg"),
        conv_key(request.conversation, "time"), conv_key(request.conversation, "cid"),
        user_key(request.sender, "cid"),        prefix_ + ":expiry",
        user_key(request.sender, "cursors"),    cursors_of_other(request)};
    keys.reserve(keys.size() + 2 * request.inbox_users.size());
    for (const std::string& user : request.inbox_users) {
        keys.push_back(user_key(user, "inbox"));
        keys.push_back(user_key(user, "inbox_base"));
    }
    batch_->add(request, keys, std::move(probe), detail::encode_message(request, {}),
                std::move(done));
    if (batch_->size() >= kMaxBatch) return send_appends();
    if (!send_posted_) {
        send_posted_ = true;
        boost::asio::post(io_, [this] { send_appends_at_end_of_pass(); });
    }
}

// Posted behind the calls queued when the batch started, so the batch takes all the appends
// of this pass. While kMaxBatchesInFlight are unanswered it waits and grows (group commit):
// the answer of one sends the next, so Redis always has a batch to run and never one per
// append.
void RedisStore::send_appends_at_end_of_pass() {
    send_posted_ = false;
    if (batches_in_flight_ < kMaxBatchesInFlight) send_appends();
}

void RedisStore::send_appends() {
    if (batch_->empty()) return;
    auto batch = std::exchange(batch_, std::make_shared<detail::AppendBatch>());
    const std::string inbox_max = decimal(static_cast<std::uint64_t>(inbox_max_));
    const auto argv = batch->command(append_.sha, prefix_, inbox_max, ttl_ms_ > 0 ? "1" : "0");
    note_write();
    ++batches_in_flight_;
    link_->command(argv, [this, batch](Reply r) {
        --batches_in_flight_;
        const auto counts = batch->complete(r);
        appends_.fetch_add(counts.appends, std::memory_order_relaxed);
        duplicates_.fetch_add(counts.duplicates, std::memory_order_relaxed);
        inbox_dropped_.fetch_add(counts.inbox_dropped, std::memory_order_relaxed);
        batch->deliver();
        if (!send_posted_ && batches_in_flight_ < kMaxBatchesInFlight) send_appends();
    });
}

void RedisStore::do_history(HistoryQuery q, Done<std::vector<MessageRecord>> done) {
    const std::string keys[] = {conv_key(q.conversation, "seq"), conv_key(q.conversation, "msg"),
                                conv_key(q.conversation, "time"),
                                conv_key(q.conversation, "floor")};
    const bool window = q.begin_time || q.end_time;
    if (window && q.begin_time && q.end_time && *q.begin_time > *q.end_time) {
        return after_earlier_calls([done] { done(std::vector<MessageRecord>()); });
    }
    eval(history_, keys,
         {cutoff_arg(), decimal(q.after_seq.value_or(0)),
          decimal(static_cast<std::uint64_t>(q.offset)),
          decimal(static_cast<std::uint64_t>(std::min<std::size_t>(q.limit, 1u << 30))),
          q.begin_time ? decimal(*q.begin_time) : std::string(),
          q.end_time ? decimal(*q.end_time) : std::string()},
         [conversation = q.conversation, done = std::move(done)](Reply r) {
             if (!done) return;
             if (r.type() != Reply::Type::array || r.size() % 2 != 0) return done(reply_error(r));
             std::vector<MessageRecord> out(r.size() / 2);
             for (std::size_t i = 0; i < out.size(); ++i) {
                 MessageRecord& m = out[i];
                 if (!to_u64(r.at(2 * i), m.seq) ||
                     !detail::decode_message(r.at(2 * i + 1).str(), m, nullptr)) {
                     return done(Errc::store_error);
                 }
                 m.conversation = conversation;
             }
             done(std::move(out));
         });
}

void RedisStore::do_read_inbox(const std::string& user, std::size_t limit,
                               Done<std::vector<InboxEntry>> done) {
    const std::string keys[] = {user_key(user, "inbox"), user_key(user, "inbox_base")};
    eval(inbox_, keys,
         {prefix_, decimal(static_cast<std::uint64_t>(std::min<std::size_t>(limit, 1u << 30))),
          cutoff_arg()},
         [done = std::move(done)](Reply r) {
             if (!done) return;
             if (r.type() != Reply::Type::array || r.size() % 4 != 0) return done(reply_error(r));
             std::vector<InboxEntry> out(r.size() / 4);
             for (std::size_t i = 0; i < out.size(); ++i) {
                 InboxEntry& e = out[i];
                 if (!to_u64(r.at(4 * i), e.inbox_seq) || !to_u64(r.at(4 * i + 2), e.message.seq) ||
                     !detail::decode_message(r.at(4 * i + 3).str(), e.message, nullptr)) {
                     return done(Errc::store_error);
                 }
                 e.message.conversation = std::string(r.at(4 * i + 1).str());
             }
             done(std::move(out));
         });
}

void RedisStore::do_delete(DeleteRequest request, std::function<void(DeleteResult)> done) {
    const std::string keys[] = {
        conv_key(request.conversation, "seq"), conv_key(request.conversation, "msg"),
        conv_key(request.conversation, "time"), conv_key(request.conversation, "cid")};
    std::string encoded_id;
    detail::put_str(encoded_id, request.id);
    note_write();
    eval(delete_, keys, {decimal(request.seq), encoded_id, cutoff_arg(), prefix_},
         [conversation = request.conversation, seq = request.seq, done = std::move(done)](Reply r) {
             DeleteResult result;
             const auto outcome = r.size() >= 1 ? r.at(0).integer() : std::nullopt;
             if (!outcome || *outcome < 0 || *outcome > 2) {
                 result.error = reply_error(r);
             } else if (*outcome == 0) {
                 result.error = Errc::not_found;
             } else if (*outcome == 2) {
                 result.already = true;
             } else if (r.size() != 2 ||
                        !detail::decode_message(r.at(1).str(), result.message, nullptr)) {
                 result.error = Errc::store_error;
             }
             result.message.conversation = conversation;
             result.message.seq = seq;
             if (done) done(std::move(result));
         });
}

void RedisStore::membership(std::string group, std::string user, bool add,
                            std::function<void(Errc)> done) {
    submit([this, group = std::move(group), user = std::move(user), add, done = std::move(done)] {
        const std::string keys[] = {group_key(group, "members"), user_key(user, "groups")};
        note_write();
        eval(membership_, keys, {user, group, add ? "1" : "0"}, errc_callback(done));
    });
}

// Reads the record, checks and rewrites it here (RecallRequest::rewrite is C++), then writes
// it with a compare-and-set script: if another node changed the record in between, starts
// over. Later calls of this store are held meanwhile (hold_later_calls).
void RedisStore::do_recall(RecallRequest request, std::function<void(RecallResult)> done,
                           int attempt) {
    const std::string key = conv_key(request.conversation, "msg");
    const std::string field = decimal(request.seq);
    auto finish = [this](const std::function<void(RecallResult)>& d, RecallResult r) {
        if (d) d(std::move(r));
        release_later_calls();
    };
    link_->command({"HGET", key, field}, [this, key, field, attempt, finish,
                                          request = std::move(request),
                                          done = std::move(done)](Reply r) mutable {
        RecallResult result;
        std::string stored, rewritten;
        if (r.is_nil()) {
            result.error = Errc::not_found;
        } else if (r.type() != Reply::Type::string) {
            result.error = reply_error(r);
        } else {
            stored = std::string(r.str());
            result = check_recall(request, stored, cutoff(), rewritten);
        }
        if (result.error != Errc::ok || result.already) return finish(done, std::move(result));
        const std::string keys[] = {key};
        note_write();
        eval(recall_swap_, keys, {field, stored, rewritten},
             [this, attempt, finish, result = std::move(result), request = std::move(request),
              done = std::move(done)](Reply swapped) mutable {
                 if (swapped.integer() == 1) return finish(done, std::move(result));
                 constexpr int kAttempts = 8;  // each retry means another node won a race
                 if (swapped.integer() == 0 && attempt < kAttempts) {
                     return do_recall(std::move(request), std::move(done), attempt + 1);
                 }
                 RecallResult failed;
                 failed.error = swapped.integer() == 0 ? Errc::store_error : reply_error(swapped);
                 finish(done, std::move(failed));
             });
    });
}

// Two steps, each on the keys of one owner: the user's cursors and groups, then the seq and
// last record of each of its conversations, pipelined. Later calls are held meanwhile.
void RedisStore::do_recent(const std::string& user, std::size_t limit,
                           Done<std::vector<ConversationSummary>> done) {
    struct State {
        Errc error = Errc::ok;
        std::map<std::string, std::uint64_t> cursors;  // conversation -> read seq
        std::vector<std::string> conversations;
        std::vector<ConversationSummary> out;
        std::size_t answered = 0;
        std::size_t limit = 0;
        Done<std::vector<ConversationSummary>> done;
    };
    auto state = std::make_shared<State>();
    state->limit = limit;
    state->done = std::move(done);
    auto finish = [this](State& st) {
        if (st.done) {
            if (st.error != Errc::ok) {
                st.done(st.error);
            } else {
                sort_recent(st.out, st.limit);
                st.done(std::move(st.out));
            }
        }
        release_later_calls();
    };
    link_->command({"HGETALL", user_key(user, "cursors")}, [state](Reply r) {
        if (r.type() != Reply::Type::array || r.size() % 2 != 0) {
            state->error = reply_error(r);
            return;
        }
        for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
            std::uint64_t seq = 0;
            if (!to_u64(r.at(i + 1), seq)) state->error = Errc::store_error;
            state->cursors.emplace(std::string(r.at(i).str()), seq);
        }
    });
    link_->command({"SMEMBERS", user_key(user, "groups")}, [this, state, finish](Reply r) {
        if (r.type() != Reply::Type::array && state->error == Errc::ok) {
            state->error = reply_error(r);
        }
        if (state->error != Errc::ok) return finish(*state);
        std::set<std::string> conversations;
        for (const auto& [conversation, seq] : state->cursors) {
            if (!group_of_conversation(conversation)) conversations.insert(conversation);
        }
        // A group the user has left keeps its cursor but is no longer the user's conversation.
        for (std::size_t i = 0; i < r.size(); ++i) {
            conversations.insert(group_conversation(r.at(i).str()));
        }
        if (conversations.empty()) return finish(*state);
        state->conversations.assign(conversations.begin(), conversations.end());
        const std::int64_t live_from = cutoff();
        for (std::size_t i = 0; i < state->conversations.size(); ++i) {
            const std::string keys[] = {conv_key(state->conversations[i], "seq"),
                                        conv_key(state->conversations[i], "msg")};
            eval(last_message_, keys, {}, [state, finish, live_from, i](Reply m) {
                const std::string& conversation = state->conversations[i];
                ConversationSummary s;
                std::uint64_t found = 0;  // the newest message's seq (deleted ones are skipped)
                if ((m.size() != 2 && m.size() != 3) || !to_u64(m.at(0), s.last_seq) ||
                    (m.size() == 3 && !to_u64(m.at(2), found))) {
                    if (state->error == Errc::ok) state->error = reply_error(m);
                } else if (s.last_seq != 0 && !m.at(1).is_nil()) {
                    if (!detail::decode_message(m.at(1).str(), s.last, nullptr)) {
                        state->error = Errc::store_error;
                    } else if (s.last.create_time >= live_from) {
                        s.conversation = conversation;
                        s.last.conversation = conversation;
                        s.last.seq = m.size() == 3 ? found : s.last_seq;
                        const auto c = state->cursors.find(conversation);
                        s.read_seq =
                            std::min(c == state->cursors.end() ? 0 : c->second, s.last_seq);
                        s.unread = s.last_seq - s.read_seq;
                        state->out.push_back(std::move(s));
                    }
                }
                if (++state->answered == state->conversations.size()) finish(*state);
            });
        }
    });
}

// Expiry (history_ttl_s): reads hide expired messages at once (the scripts compare with the
// cutoff); this deletes them, a bounded step at a time, ahead of the call that found it due.
void RedisStore::sweep_if_due() {
    if (ttl_ms_ == 0) return;
    const std::int64_t now = clock_->now_ms();
    if (now < next_sweep_ms_) return;
    next_sweep_ms_ = now + sweep_interval_ms_;
    send_appends();  // the appends made before this call go first
    const std::string keys[] = {prefix_ + ":expiry"};
    note_write();
    eval(sweep_, keys, {prefix_, decimal(now - ttl_ms_), "4096"}, [this](Reply r) {
        std::uint64_t deleted = 0;
        if (r.size() == 2 && to_u64(r.at(0), deleted)) {
            history_expired_.fetch_add(deleted, std::memory_order_relaxed);
            if (r.at(1).integer() == 1) next_sweep_ms_ = 0;  // more to do: continue next call
        } else if (r.type() != Reply::Type::none) {
            spdlog::error("store redis: expiry sweep failed: {}", r.str());
        }
    });
}

void RedisStore::check_server(const std::string& sync, std::chrono::milliseconds wait) {
    const auto end = std::chrono::steady_clock::now() + wait;
    while (link_->state() != redis::LinkState::up && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // start-up only, bounded
    }
    if (link_->state() != redis::LinkState::up) {
        spdlog::warn(
            "store redis: no answer yet; starting degraded, store calls fail until it does");
        return;
    }
    std::promise<std::pair<std::string, std::string>> answer;
    submit([this, &answer] {
        auto config = std::make_shared<std::pair<std::string, std::string>>();
        link_->command({"CONFIG", "GET", "appendonly"},
                       [config](Reply r) { config->first = std::string(r.at(1).str()); });
        link_->command({"CONFIG", "GET", "appendfsync"}, [config, &answer](Reply r) {
            config->second = std::string(r.at(1).str());
            answer.set_value(*config);
        });
    });
    const auto [appendonly, appendfsync] = answer.get_future().get();
    if (appendonly.empty()) {
        spdlog::warn("store redis: CONFIG GET is refused; cannot check that appendonly is on");
        return;
    }
    if (appendonly != "yes") {
        throw std::runtime_error(
            "store: redis has appendonly " + appendonly +
            ": acknowledged messages would not survive a Redis restart (set appendonly yes)");
    }
    if (sync == "machine" && appendfsync != "always") {
        throw std::runtime_error("store: sync = \"machine\" needs redis appendfsync always, not " +
                                 appendfsync);
    }
}

}  // namespace

std::unique_ptr<MessageStore> open_redis_store(const StoreOptions& options) {
    auto endpoint = redis::parse_endpoint(options.redis);
    if (!endpoint) {
        throw std::runtime_error("store: redis \"" + options.redis +
                                 "\" is not a redis://host:port URL");
    }
    if (options.redis_prefix.empty() ||
        options.redis_prefix.find_first_of("{}") != std::string::npos) {
        throw std::runtime_error("store: redis_prefix must be non-empty and without braces");
    }
    auto store = std::make_unique<RedisStore>(options, std::move(*endpoint));
    store->check_server(options.sync, std::chrono::seconds(3));
    return store;
}

std::optional<redis::LinkState> redis_link_state(const MessageStore& store) {
    if (const auto* r = dynamic_cast<const RedisStore*>(&store)) return r->link_state();
    return std::nullopt;
}

}  // namespace jim::store
