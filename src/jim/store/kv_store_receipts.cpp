// KvStore: recall (a flag and a rewritten body on the message record), delete (a tombstone),
// read cursors and the recent-conversations read. Writes are staged into the run's batch like every
// other write.
#include <algorithm>
#include <map>
#include <set>

#include "jim/store/encoding.hpp"
#include "jim/store/kv_store.hpp"

namespace jim::store::detail {

// The message at `seq` as staged in this batch, else as stored; nullopt when there is none (or
// only a deleted message's tombstone). Recall and delete read through this, so two of them on
// one message, even in one batch, see each other. (An append staged in the same batch is not
// seen: its seq is unknown to callers until it has committed.)
Result<std::optional<MessageRecord>> KvStore::staged_message(const std::string& conversation,
                                                             std::uint64_t seq, const Batch& batch,
                                                             std::string& client_msg_id) {
    const std::string key = message_key(conversation, seq);
    if (const auto it = batch.records.find(key); it != batch.records.end()) {
        client_msg_id = it->second.client_msg_id;
        return it->second.message;
    }
    const auto value = kv_->get(key);
    if (!value) return value.error();
    if (!*value || is_tombstone(**value)) return std::optional<MessageRecord>{};
    MessageRecord m;
    if (!decode_message(**value, m, &client_msg_id)) return make_error_code(Errc::store_error);
    m.conversation = conversation;
    m.seq = seq;
    return std::optional<MessageRecord>{std::move(m)};
}

void KvStore::stage_recall(RecallOp& op, Batch& batch) {
    const RecallRequest& r = op.request;
    RecallResult& res = op.result;
    std::string client_msg_id;
    auto found = staged_message(r.conversation, r.seq, batch, client_msg_id);
    if (!found) {
        res.error = Errc::store_error;
        return;
    }
    if (!*found) {
        res.error = Errc::not_found;
        return;
    }
    MessageRecord m = std::move(**found);
    if (m.id != r.id || m.create_time < expiry_cutoff()) {
        res.error = Errc::not_found;
        return;
    }
    if (!r.sender.empty() && m.sender != r.sender) {
        res.error = Errc::forbidden;
        return;
    }
    if (m.recalled) {
        res.already = true;
        res.message = std::move(m);
        return;
    }
    if (m.create_time < r.sent_after) {
        res.error = Errc::recall_too_late;
        return;
    }
    if (r.rewrite) m.body = r.rewrite(m);
    m.recalled = true;
    const std::string key = message_key(r.conversation, r.seq);
    batch.kv.put(key, encode_record(m, client_msg_id));
    batch.records[key] = Batch::StagedRecord{m, client_msg_id};
    res.message = std::move(m);
}

// The record becomes a tombstone (the key stays, so the conversation's last seq survives a
// restart); its time-index and client-id entries go. Inbox entries pointing at it stay and are
// skipped by reads, like those of expired messages, until acknowledged.
void KvStore::stage_delete(DeleteOp& op, Batch& batch) {
    const DeleteRequest& r = op.request;
    DeleteResult& res = op.result;
    const auto last = conversation_seq(r.conversation);
    if (!last) {
        res.error = Errc::store_error;
        return;
    }
    if (r.seq == 0 || r.seq > **last) {
        res.error = Errc::not_found;
        return;
    }
    std::string client_msg_id;
    auto found = staged_message(r.conversation, r.seq, batch, client_msg_id);
    if (!found) {
        res.error = Errc::store_error;
        return;
    }
    if (!*found || (*found)->create_time < expiry_cutoff()) {
        res.already = true;
        res.message.conversation = r.conversation;
        res.message.seq = r.seq;
        return;
    }
    MessageRecord& m = **found;
    if (m.id != r.id) {
        res.error = Errc::not_found;
        return;
    }
    const std::string key = message_key(r.conversation, r.seq);
    batch.kv.put(key, encode_tombstone(m.create_time));
    batch.kv.del(time_key(r.conversation, m.create_time, r.seq));
    if (!client_msg_id.empty()) batch.kv.del(client_id_key(m.sender, client_msg_id));
    batch.records[key] = Batch::StagedRecord{};
    res.message = std::move(m);
}

// The cursor as staged in this batch, else as stored (0 when there is none).
Result<std::uint64_t> KvStore::cursor_in(const std::string& key, const Batch& batch) {
    if (const auto it = batch.cursors.find(key); it != batch.cursors.end()) return it->second;
    const auto v = kv_->get(key);
    if (!v) return v.error();
    return *v ? be64_value(**v) : 0;
}

void KvStore::stage_cursor(CursorOp& op, Batch& batch) {
    const auto last = conversation_seq(op.conversation);
    if (!last) {
        op.result = make_error_code(Errc::store_error);
        return;
    }
    const std::string key = read_cursor_key(op.user, op.conversation);
    const auto current = cursor_in(key, batch);
    if (!current) {
        op.result = make_error_code(Errc::store_error);
        return;
    }
    const std::uint64_t target = std::min(op.seq, **last);
    if (target > *current) batch.cursors[key] = target;  // written by stage_cursors()
    op.result = std::max(target, *current);
}

// Sending reads the conversation up to the new message: the sender's cursor moves to it (seqs
// only grow, so this never moves a cursor back). The first message of a private conversation
// also files it for the receiver (cursor 0), which is how recent_conversations finds it.
void KvStore::stage_sender_cursor(const AppendRequest& r, std::uint64_t seq, Batch& batch) {
    batch.cursors[read_cursor_key(r.sender, r.conversation)] = seq;
    std::string_view a, b;
    if (seq != 1 || !users_of_conversation(r.conversation, a, b)) return;
    const std::string_view other = a == r.sender ? b : a;
    if (other == r.sender) return;
    std::string other_key = read_cursor_key(other, r.conversation);
    batch.cursors.try_emplace(std::move(other_key), 0);
}

// Every cursor the batch moved, written once however many of its messages moved it: a sender
// with many messages in one commit costs one key, not one per message (bench/RESULTS.md).
void KvStore::stage_cursors(Batch& batch) {
    for (const auto& [key, seq] : batch.cursors) batch.kv.put(key, be64(seq));
}

// The newest message at or below `last`: walks back over deleted messages, at most
// kDeletedWalkMax of them (beyond that the conversation counts as empty until its next message,
// which keeps one call's cost bounded however many messages an admin deleted).
Result<std::optional<MessageRecord>> KvStore::newest_message(const std::string& conversation,
                                                             std::uint64_t last) {
    constexpr std::uint64_t kDeletedWalkMax = 256;
    for (std::uint64_t s = last; s > 0 && last - s <= kDeletedWalkMax; --s) {
        auto m = read_message(conversation, s);
        if (!m || *m) return m;
    }
    return std::optional<MessageRecord>{};
}

// Every group of the user and every private conversation with a cursor; the newest live
// message of each decides the order.
Result<std::vector<ConversationSummary>> KvStore::read_recent(const std::string& user,
                                                              std::size_t limit) {
    std::map<std::string, std::uint64_t> cursors;  // conversation -> read seq
    {
        const std::string prefix = read_cursor_prefix(user);
        auto it = kv_->iterator();
        for (it->seek(prefix); it->valid() && it->key().starts_with(prefix); it->next()) {
            std::string_view rest = it->key().substr(prefix.size());
            std::string_view conversation;
            if (!take_str(rest, conversation) || !rest.empty()) {
                return make_error_code(Errc::store_error);
            }
            cursors.emplace(conversation, be64_value(it->value()));
        }
        if (it->status() != Errc::ok) return make_error_code(it->status());
    }
    const auto groups = read_list(group_of_prefix(user));
    if (!groups) return groups.error();
    std::set<std::string> conversations;
    for (const auto& [conversation, seq] : cursors) {
        if (!group_of_conversation(conversation)) conversations.insert(conversation);
    }
    // A group the user has left keeps its cursor but is no longer the user's conversation.
    for (const auto& g : *groups) conversations.insert(group_conversation(g));

    std::vector<ConversationSummary> out;
    const std::int64_t cutoff = expiry_cutoff();
    for (const auto& conversation : conversations) {
        const auto last = conversation_seq(conversation);
        if (!last) return last.error();
        if (**last == 0) continue;
        auto m = newest_message(conversation, **last);
        if (!m) return m.error();
        if (!*m || (*m)->create_time < cutoff) continue;
        ConversationSummary s;
        s.conversation = conversation;
        s.last_seq = **last;
        const auto c = cursors.find(conversation);
        s.read_seq = std::min(c == cursors.end() ? 0 : c->second, s.last_seq);
        s.unread = s.last_seq - s.read_seq;
        s.last = std::move(**m);
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        if (x.last.create_time != y.last.create_time) {
            return x.last.create_time > y.last.create_time;
        }
        // Within one millisecond the time-ordered ids decide (exact for one worker).
        return x.last.id > y.last.id;
    });
    if (out.size() > limit) out.resize(limit);
    return out;
}

}  // namespace jim::store::detail
