// KvStore writes: staging calls into one batch (seq assignment, idempotency, inboxes and their
// cap), completing them after the commit, and the expiry sweep.
#include <algorithm>

#include "jim/store/encoding.hpp"
#include "jim/store/kv_store.hpp"

namespace jim::store::detail {
namespace {

// Removing more inbox entries than this at once uses one range deletion instead of one
// tombstone per entry (RocksDB reads slow down with many range tombstones, so not always).
constexpr std::uint64_t kPointDeleteMax = 256;
// Messages (and conversations) one sweep step may examine before yielding to queued calls.
constexpr std::size_t kSweepBudget = 4096;

}  // namespace

void KvStore::stage(Op& op, Batch& batch) {
    std::visit(Overloaded{
                   [&](AppendOp& a) { stage_append(a, batch); },
                   [&](AckOp& a) { stage_ack(a, batch); },
                   [&](RecallOp& r) { stage_recall(r, batch); },
                   [&](DeleteOp& d) { stage_delete(d, batch); },
                   [&](CursorOp& c) { stage_cursor(c, batch); },
                   [&](ValueOp& v) {
                       if (v.value) {
                           batch.kv.put(v.key, *v.value);
                       } else {
                           batch.kv.del(v.key);
                       }
                   },
                   [&](BanOp& b) {
                       if (b.add) {
                           batch.kv.put(ban_key(b.user), b.reason);
                       } else {
                           batch.kv.del(ban_key(b.user));
                       }
                   },
                   [&](MemberOp& m) {
                       if (m.add) {
                           batch.kv.put(member_key(m.group, m.user), {});
                           batch.kv.put(group_of_key(m.user, m.group), {});
                       } else {
                           batch.kv.del(member_key(m.group, m.user));
                           batch.kv.del(group_of_key(m.user, m.group));
                       }
                   },
                   [&](FriendOp& f) {
                       if (f.add) {
                           batch.kv.put(friend_key(f.user, f.friend_id), f.category);
                           batch.kv.put(follower_key(f.friend_id, f.user), {});
                       } else {
                           batch.kv.del(friend_key(f.user, f.friend_id));
                           batch.kv.del(follower_key(f.friend_id, f.user));
                       }
                   },
                   [](auto&) {},
               },
               op);
}

void KvStore::complete_write(Op& op, Errc committed) {
    const auto finish = [committed](auto& w) {
        if (committed != Errc::ok) w.result = committed;
        if (w.done) w.done(w.result);
    };
    std::visit(Overloaded{
                   [&](AppendOp& a) {
                       if (committed != Errc::ok) {
                           // Nothing of a failed batch may look acknowledged.
                           a.result = AppendResult{};
                           a.result.error = committed;
                       } else if (a.result.error == Errc::ok) {
                           auto& counter = a.result.duplicate ? duplicates_ : appends_;
                           counter.fetch_add(1, std::memory_order_relaxed);
                       }
                       if (a.done) a.done(std::move(a.result));
                   },
                   [&](AckOp& a) { finish(a); },
                   [&](RecallOp& r) {
                       if (committed != Errc::ok) r.result = RecallResult{committed, false, {}};
                       if (r.done) r.done(std::move(r.result));
                   },
                   [&](DeleteOp& d) {
                       if (committed != Errc::ok) d.result = DeleteResult{committed, false, {}};
                       if (d.done) d.done(std::move(d.result));
                   },
                   [&](CursorOp& c) {
                       if (committed != Errc::ok) c.result = make_error_code(committed);
                       if (c.done) c.done(c.result);
                   },
                   [&](ValueOp& v) { finish(v); },
                   [&](MemberOp& m) { finish(m); },
                   [&](FriendOp& f) { finish(f); },
                   [&](BanOp& b) { finish(b); },
                   [](auto&) {},
               },
               op);
}

// Every read this needs happens before the first mutation is staged, so a failed read leaves
// nothing of the append in the batch.
void KvStore::stage_append(AppendOp& op, Batch& batch) {
    const AppendRequest& r = op.request;
    AppendResult& res = op.result;
    const auto fail = [&res] { res.error = Errc::store_error; };

    std::string client_key;
    if (!r.client_msg_id.empty()) {
        client_key = client_id_key(r.sender, r.client_msg_id);
        if (const auto it = batch.client_ids.find(client_key); it != batch.client_ids.end()) {
            res = *it->second;
            res.duplicate = true;
            return;
        }
        const Result<bool> found = find_original(client_key, res);
        if (!found) return fail();
        if (*found) return;
    }

    const Result<std::uint64_t*> last = conversation_seq(r.conversation);
    if (!last) return fail();
    std::vector<InboxState*> inboxes;
    inboxes.reserve(r.inbox_users.size());
    for (const auto& user : r.inbox_users) {
        const Result<InboxState*> inbox = inbox_state(user);
        if (!inbox) return fail();
        inboxes.push_back(*inbox);
    }

    const std::uint64_t seq = **last + 1;
    if (!splice_seq(r.body, seq, res.body)) return fail();  // not an object: a caller bug
    **last = seq;
    res.seq = seq;
    res.id = r.id;
    res.create_time = r.create_time;

    batch.kv.put(message_key(r.conversation, seq), encode_message(r, res.body));
    batch.kv.put(time_key(r.conversation, r.create_time, seq), {});
    stage_sender_cursor(r, seq, batch);
    const std::string ref = message_ref(r.conversation, seq);
    if (!client_key.empty()) {
        batch.kv.put(client_key, ref);
        batch.client_ids.emplace(std::move(client_key), &res);
    }
    for (std::size_t i = 0; i < inboxes.size(); ++i) {
        stage_inbox_entry(r.inbox_users[i], *inboxes[i], ref, batch);
    }
}

// True (and `result` filled as a duplicate) when the client id names a stored message. An
// index entry whose message has expired counts as unseen: the id may be used again.
Result<bool> KvStore::find_original(const std::string& client_key, AppendResult& result) {
    // Result<bool> cannot be built from an error_code implicitly (bool would take it too).
    const auto failed = [](boost::system::error_code ec) {
        return Result<bool>(boost::system::in_place_error, ec);
    };
    const auto ref = kv_->get(client_key);
    if (!ref) return failed(ref.error());
    if (!*ref) return false;
    std::string conversation;
    std::uint64_t seq = 0;
    if (!parse_message_ref(**ref, conversation, seq)) return failed(Errc::store_error);
    auto original = read_message(conversation, seq);
    if (!original) return failed(original.error());
    if (!*original) return false;
    result.duplicate = true;
    result.seq = seq;
    result.id = std::move((*original)->id);
    result.create_time = (*original)->create_time;
    result.body = std::move((*original)->body);
    return true;
}

void KvStore::stage_inbox_entry(const std::string& user, InboxState& inbox, const std::string& ref,
                                Batch& batch) {
    ++inbox.tail;
    batch.kv.put(inbox_key(user, inbox.tail), ref);
    if (inbox_max_ == 0 || inbox.tail - inbox.head + 1 <= inbox_max_) return;
    const std::uint64_t new_head = inbox.tail - inbox_max_ + 1;
    remove_inbox_range(user, inbox.head, new_head - 1, batch.kv);
    batch.inbox_dropped += new_head - inbox.head;
    inbox.head = new_head;
}

void KvStore::stage_ack(AckOp& op, Batch& batch) {
    const Result<InboxState*> inbox = inbox_state(op.user);
    if (!inbox) {
        op.result = Errc::store_error;
        return;
    }
    InboxState& st = **inbox;
    // Clamped to the tail: acknowledging more than was delivered must not swallow later entries.
    const std::uint64_t up_to = std::min(op.up_to, st.tail);
    if (up_to < st.head) return;
    remove_inbox_range(op.user, st.head, up_to, batch.kv);
    st.head = up_to + 1;
}

// Removes inbox entries [from, to] and records the new floor in the same batch, so the live
// range is known again after a restart.
void KvStore::remove_inbox_range(const std::string& user, std::uint64_t from, std::uint64_t to,
                                 KvBatch& batch) {
    if (to - from + 1 > kPointDeleteMax) {
        batch.del_range(inbox_key(user, from), inbox_key(user, to + 1));
    } else {
        for (std::uint64_t s = from; s <= to; ++s) batch.del(inbox_key(user, s));
    }
    batch.put(inbox_floor_key(user), be64(to));
}

Result<std::uint64_t> KvStore::read_floor(const std::string& key) {
    const auto v = kv_->get(key);
    if (!v) return v.error();
    return *v ? be64_value(**v) : 0;
}

// The 8-byte suffix of the last key that starts with `prefix`, or 0.
Result<std::uint64_t> KvStore::last_suffix_seq(const std::string& prefix) {
    auto it = kv_->iterator();
    it->seek_for_prev(prefix + std::string(kAfterAll));
    if (!it->valid()) {
        if (it->status() != Errc::ok) return make_error_code(it->status());
        return 0;
    }
    const std::string_view key = it->key();
    if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) return 0;
    return be64_value(key.substr(prefix.size()));
}

// The last seq of a conversation survives a restart through its highest message key, or,
// once expiry deleted every message, through the seq floor the sweep wrote.
Result<std::uint64_t*> KvStore::conversation_seq(const std::string& conversation) {
    if (const auto it = seqs_.find(conversation); it != seqs_.end()) return &it->second;
    const auto last = last_suffix_seq(message_prefix(conversation));
    if (!last) return last.error();
    const auto floor = read_floor(seq_floor_key(conversation));
    if (!floor) return floor.error();
    return &seqs_.emplace(conversation, std::max(*last, *floor)).first->second;
}

Result<KvStore::InboxState*> KvStore::inbox_state(const std::string& user) {
    if (const auto it = inboxes_.find(user); it != inboxes_.end()) return &it->second;
    const auto last = last_suffix_seq(inbox_prefix(user));
    if (!last) return last.error();
    const auto floor = read_floor(inbox_floor_key(user));
    if (!floor) return floor.error();
    return &inboxes_.emplace(user, InboxState{*floor + 1, std::max(*last, *floor)}).first->second;
}

// One bounded step of the expiry sweep: walks conversations from sweep_cursor_ and deletes
// each one's expired head (in seq order, stopping at its first live message) with its time
// index and client-id entries, and writes the conversation's seq floor. The deletions commit
// as one batch of their own.
void KvStore::sweep_step() {
    const std::int64_t now = clock_->now_ms();
    if (!sweeping_) {
        if (now < next_sweep_ms_) return;
        sweeping_ = true;
        sweep_cursor_.assign(1, kTagMessage);
    }
    const std::int64_t cutoff = now - ttl_ms_;
    KvBatch batch;
    std::uint64_t expired = 0;
    std::size_t budget = kSweepBudget;
    bool finished = false;
    std::string conversation;
    std::string client_id;
    auto it = kv_->iterator();
    it->seek(sweep_cursor_);
    while (budget > 0) {
        if (!it->valid() || !conversation_of_message_key(it->key(), conversation)) {
            finished = true;  // past the last message key (or a read error: retry next time)
            break;
        }
        const std::string prefix = message_prefix(conversation);
        std::uint64_t last_expired = 0;
        for (; budget > 0 && it->valid() && it->key().starts_with(prefix); it->next(), --budget) {
            MessageRecord m;
            if (!decode_message(it->value(), m, &client_id) || m.create_time >= cutoff) break;
            m.seq = be64_value(it->key().substr(prefix.size()));
            batch.del(std::string(it->key()));
            batch.del(time_key(conversation, m.create_time, m.seq));
            if (!client_id.empty()) batch.del(client_id_key(m.sender, client_id));
            last_expired = m.seq;
            ++expired;
        }
        if (last_expired != 0) batch.put(seq_floor_key(conversation), be64(last_expired));
        if (budget == 0) {
            sweep_cursor_ = message_key(conversation, last_expired + 1);
            break;
        }
        --budget;  // the seek to the next conversation
        sweep_cursor_ = prefix + std::string(kAfterAll);
        it->seek(sweep_cursor_);
    }
    it.reset();
    if (!batch.empty()) {
        if (kv_->write(batch) == Errc::ok) {
            commits_.fetch_add(1, std::memory_order_relaxed);
            history_expired_.fetch_add(expired, std::memory_order_relaxed);
        } else {
            finished = true;  // do not spin on a failing disk; the next sweep retries
        }
    }
    if (finished) {
        sweeping_ = false;
        next_sweep_ms_ = now + sweep_interval_ms_;
    }
}

}  // namespace jim::store::detail
