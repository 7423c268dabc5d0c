// KvStore reads. They run on the worker between commits, so they see every write queued before
// them and none queued after them.
#include <algorithm>
#include <limits>

#include "jim/store/encoding.hpp"
#include "jim/store/kv_store.hpp"

namespace jim::store::detail {
namespace {

template <class Done, class R>
void deliver(Done& done, R&& result) {
    if (done) done(std::forward<R>(result));
}

}  // namespace

void KvStore::execute_read(Op& op) {
    std::visit(Overloaded{
                   [&](HistoryOp& h) {
                       const bool by_time = h.query.begin_time || h.query.end_time;
                       deliver(h.done,
                               by_time ? read_history_by_time(h.query) : read_history(h.query));
                   },
                   [&](LastSeqOp& l) {
                       const auto last = conversation_seq(l.conversation);
                       if (last) {
                           deliver(l.done, Result<std::uint64_t>(**last));
                       } else {
                           deliver(l.done, Result<std::uint64_t>(last.error()));
                       }
                   },
                   [&](InboxOp& i) { deliver(i.done, read_inbox_entries(i.user, i.limit)); },
                   [&](GetOp& g) { deliver(g.done, kv_->get(g.key)); },
                   [&](ListOp& l) { deliver(l.done, read_list(l.prefix)); },
                   [&](FriendsOp& f) { deliver(f.done, read_friends(f.user)); },
                   [&](RecentOp& r) { deliver(r.done, read_recent(r.user, r.limit)); },
                   [&](BansOp& b) { deliver(b.done, read_bans()); },
                   [](DrainOp& d) { d.done->set_value(); },
                   [](auto&) {},
               },
               op);
}

// Messages with create_time below this are expired: hidden from every read at once, deleted
// later by the sweep.
std::int64_t KvStore::expiry_cutoff() const {
    if (ttl_ms_ == 0) return std::numeric_limits<std::int64_t>::min();
    return clock_->now_ms() - ttl_ms_;
}

// Oldest first by seq, from after_seq (or the expiry floor, to skip the deleted head without
// walking its tombstones).
Result<std::vector<MessageRecord>> KvStore::read_history(const HistoryQuery& q) {
    std::vector<MessageRecord> out;
    const std::uint64_t after = q.after_seq.value_or(0);
    if (q.limit == 0 || after == std::numeric_limits<std::uint64_t>::max()) return out;
    const auto floor = read_floor(seq_floor_key(q.conversation));
    if (!floor) return floor.error();
    const std::int64_t cutoff = expiry_cutoff();
    const std::string prefix = message_prefix(q.conversation);
    std::size_t skip = q.offset;
    auto it = kv_->iterator();
    for (it->seek(message_key(q.conversation, std::max(after, *floor) + 1));
         it->valid() && it->key().starts_with(prefix); it->next()) {
        if (is_tombstone(it->value())) continue;  // a deleted message
        MessageRecord m;
        if (!decode_message(it->value(), m, nullptr)) return make_error_code(Errc::store_error);
        if (m.create_time < cutoff) continue;
        if (skip > 0) {
            --skip;
            continue;
        }
        m.conversation = q.conversation;
        m.seq = be64_value(it->key().substr(prefix.size()));
        out.push_back(std::move(m));
        if (out.size() == q.limit) break;
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    return out;
}

// Walks the time index from begin_time, so a window costs what it returns (plus offset), not
// the size of the conversation.
Result<std::vector<MessageRecord>> KvStore::read_history_by_time(const HistoryQuery& q) {
    std::vector<MessageRecord> out;
    const std::int64_t begin =
        std::max(q.begin_time.value_or(std::numeric_limits<std::int64_t>::min()), expiry_cutoff());
    const std::int64_t end = q.end_time.value_or(std::numeric_limits<std::int64_t>::max());
    if (q.limit == 0 || begin > end) return out;
    const std::uint64_t after = q.after_seq.value_or(0);
    const std::string prefix = time_prefix(q.conversation);
    std::size_t skip = q.offset;
    auto it = kv_->iterator();
    for (it->seek(time_key(q.conversation, begin, 0)); it->valid() && it->key().starts_with(prefix);
         it->next()) {
        std::string_view suffix = it->key().substr(prefix.size());
        std::uint64_t time = 0;
        std::uint64_t seq = 0;
        if (!take_be64(suffix, time) || !take_be64(suffix, seq)) {
            return make_error_code(Errc::store_error);
        }
        if (time_from_bits(time) > end) break;
        if (seq <= after) continue;
        if (skip > 0) {
            --skip;
            continue;
        }
        auto m = read_message(q.conversation, seq);
        if (!m) return m.error();
        if (!*m) continue;  // index entry of a message the sweep is removing
        out.push_back(std::move(**m));
        if (out.size() == q.limit) break;
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    return out;
}

// Entries whose message has expired are skipped; an ack up to a later entry removes them.
Result<std::vector<InboxEntry>> KvStore::read_inbox_entries(const std::string& user,
                                                            std::size_t limit) {
    std::vector<InboxEntry> out;
    const auto inbox = inbox_state(user);
    if (!inbox) return inbox.error();
    if (limit == 0 || (*inbox)->head > (*inbox)->tail) return out;
    const std::int64_t cutoff = expiry_cutoff();
    const std::string prefix = inbox_prefix(user);
    std::string conversation;
    auto it = kv_->iterator();
    for (it->seek(inbox_key(user, (*inbox)->head)); it->valid() && it->key().starts_with(prefix);
         it->next()) {
        std::uint64_t seq = 0;
        if (!parse_message_ref(it->value(), conversation, seq)) {
            return make_error_code(Errc::store_error);
        }
        auto m = read_message(conversation, seq);
        if (!m) return m.error();
        if (!*m || (*m)->create_time < cutoff) continue;
        out.push_back(InboxEntry{be64_value(it->key().substr(prefix.size())), std::move(**m)});
        if (out.size() == limit) break;
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    return out;
}

// The second id of every key under `prefix` (members of a group, groups of a user), sorted.
Result<std::vector<std::string>> KvStore::read_list(const std::string& prefix) {
    std::vector<std::string> out;
    auto it = kv_->iterator();
    for (it->seek(prefix); it->valid() && it->key().starts_with(prefix); it->next()) {
        std::string_view rest = it->key().substr(prefix.size());
        std::string_view id;
        if (!take_str(rest, id) || !rest.empty()) return make_error_code(Errc::store_error);
        out.emplace_back(id);
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    std::sort(out.begin(), out.end());
    return out;
}

// A user's contact list in key order, which is friend-id order (the ids are length-prefixed, so
// sort afterwards like read_list).
Result<std::vector<Friend>> KvStore::read_friends(const std::string& user) {
    std::vector<Friend> out;
    const std::string prefix = friend_prefix(user);
    auto it = kv_->iterator();
    for (it->seek(prefix); it->valid() && it->key().starts_with(prefix); it->next()) {
        std::string_view rest = it->key().substr(prefix.size());
        std::string_view id;
        if (!take_str(rest, id) || !rest.empty()) return make_error_code(Errc::store_error);
        out.push_back(Friend{std::string(id), std::string(it->value())});
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    std::sort(out.begin(), out.end(),
              [](const Friend& a, const Friend& b) { return a.user < b.user; });
    return out;
}

// Every ban, sorted by user (key order is not user order: ids are length-prefixed).
Result<std::vector<Ban>> KvStore::read_bans() {
    std::vector<Ban> out;
    auto it = kv_->iterator();
    for (it->seek(kBanPrefix); it->valid() && it->key().starts_with(kBanPrefix); it->next()) {
        std::string_view rest = it->key().substr(kBanPrefix.size());
        std::string_view user;
        if (!take_str(rest, user) || !rest.empty()) return make_error_code(Errc::store_error);
        out.push_back(Ban{std::string(user), std::string(it->value())});
    }
    if (it->status() != Errc::ok) return make_error_code(it->status());
    std::sort(out.begin(), out.end(), [](const Ban& a, const Ban& b) { return a.user < b.user; });
    return out;
}

// Nullopt when there is no message at `seq`: never stored, expired and swept, or deleted.
Result<std::optional<MessageRecord>> KvStore::read_message(const std::string& conversation,
                                                           std::uint64_t seq) {
    const auto value = kv_->get(message_key(conversation, seq));
    if (!value) return value.error();
    if (!*value || is_tombstone(**value)) return std::optional<MessageRecord>{};
    MessageRecord m;
    if (!decode_message(**value, m, nullptr)) return make_error_code(Errc::store_error);
    m.conversation = conversation;
    m.seq = seq;
    return std::optional<MessageRecord>{std::move(m)};
}

}  // namespace jim::store::detail
