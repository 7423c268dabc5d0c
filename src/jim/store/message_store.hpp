#pragma once
// Durable storage of chat messages, offline inboxes, user profiles, group memberships, group
// info (name, owner) and contact lists (friends).
//
// Engines: "memory" (tests) and "rocksdb" (the default, under --data-dir), both one KvStore
// (kv_store.hpp) over an ordered key-value engine, and "redis" (redis_store.hpp), shared by the
// nodes of a cluster. One conformance suite
// (tests/unit/store) runs against every engine. Design and key layout: docs/storage.md.
//
// Also the admin API's bans, so they survive a restart.
//
// Contracts every engine keeps:
// - Asynchronous: a network worker never blocks on the store. Every call returns at once and its
//   callback runs later on a store thread; the caller posts the result back to its own worker.
// - Ordering: calls are executed in the order they were made from one thread. In particular the
//   appends of one conversation made by one thread get increasing seq in call order.
// - Durability: an append's callback runs only after the message is durable per
//   StoreOptions::sync ("process": in the write-ahead log, survives kill -9; "machine": also
//   fsynced, survives power loss). Appends waiting together are committed together (group
//   commit: one log write for many senders).
// - Sequence numbers: per conversation, starting at 1, gap-free and strictly increasing, also
//   across restarts (and, with the redis engine, across the nodes sharing the server).
// - Idempotency: an append with a non-empty client_msg_id already seen from the same sender is
//   not stored again; its result repeats the original id, seq, create_time and body with
//   duplicate = true (and adds no inbox entries).
// - Inboxes: inbox entries are removed only by ack_inbox(user, up_to), which removes exactly the
//   entries with inbox_seq <= up_to, atomically; entries added meanwhile survive.
// - Recall: recall() sets a message's recalled flag and may replace its body, atomically with
//   its checks; every later read (history, inboxes, recent_conversations) returns it so.
// - Delete: delete_message() removes a message's record for good, atomically with its checks;
//   no later read returns it and its seq is never given to another message.
// - Read cursors only move forward and never past the conversation's last seq. An append moves
//   its sender's cursor to the new seq (sending counts as having read the conversation).
// - Errors never throw: they come back as Errc (store_full when the disk is full, store_error
//   otherwise) and nothing is acknowledged that is not stored.
// - Callbacks run on the store thread, in call order; they must not throw and must not call
//   drain() (it would wait for the very thread running the callback).
// Thread: every method may be called from any thread.

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/base/clock.hpp"
#include "jim/base/error.hpp"
#include "jim/base/latency_histogram.hpp"

namespace jim::store {

// Conversation keys. User and group ids never contain control characters (auth::valid_user_id),
// so the unit separator makes the keys unambiguous.
std::string private_conversation(std::string_view user_a, std::string_view user_b);
std::string group_conversation(std::string_view group_id);
// The group id of a group conversation key, or nullopt.
std::optional<std::string_view> group_of_conversation(std::string_view conversation);
// The two users of a private conversation key, or false.
bool users_of_conversation(std::string_view conversation, std::string_view& a, std::string_view& b);

struct StoreOptions {
    std::string engine = "rocksdb";  // "rocksdb" | "memory" | "redis"
    std::string path;                // rocksdb: the database directory (created if missing)
    std::string redis = "redis://127.0.0.1:6379";  // redis: the server
    std::string redis_prefix = "jim";              // redis: first part of every key
    std::string sync = "process";                  // "process" | "machine"
    std::int64_t history_ttl_s = 0;  // 0: keep history forever; else drop older messages
    std::size_t inbox_max = 10000;   // per user (0: no cap); the oldest are dropped and counted
    // rocksdb: the memory budget (docs/storage.md): the block cache (index and filter blocks
    // included) and one memtable, of which at most two are held.
    std::size_t rocksdb_cache_bytes = std::size_t{64} << 20;
    std::size_t rocksdb_write_buffer_bytes = std::size_t{64} << 20;
    // Decides which messages are older than history_ttl_s (compared with create_time). Not owned,
    // must outlive the store; nullptr: the system clock. Tests inject a ManualClock.
    const Clock* clock = nullptr;
};

struct MessageRecord {
    std::string conversation;
    std::uint64_t seq = 0;
    std::string id;
    std::int64_t create_time = 0;
    std::string sender;
    std::string body;  // the complete ChatBody JSON as delivered, including "seq"
    bool recalled = false;
};

// One entry of a user's contact list (spec §5.4 User.friends: friends sorted into categories).
struct Friend {
    std::string user;
    std::string category;
    bool operator==(const Friend&) const = default;
};

// A user the admin API banned (router::Bans), with the reason given.
struct Ban {
    std::string user;
    std::string reason;
    bool operator==(const Ban&) const = default;
};

struct AppendRequest {
    std::string conversation;
    std::string sender;
    std::string client_msg_id;  // optional idempotency key, scoped by sender
    std::string id;             // server message id (assigned by the caller)
    std::int64_t create_time = 0;
    // The ChatBody JSON object WITHOUT "seq". The store appends ,"seq":N before the closing '}'.
    std::string body;
    std::vector<std::string> inbox_users;  // recipients to give an inbox entry (offline users)
};

struct AppendResult {
    Errc error = Errc::ok;
    bool duplicate = false;
    std::uint64_t seq = 0;
    std::string id;
    std::int64_t create_time = 0;
    std::string body;  // final body, with "seq"
};

struct HistoryQuery {
    std::string conversation;
    // With a time bound the result is ordered by (create_time, seq), else by seq; the two agree
    // while create_time does not go backwards within a conversation.
    std::optional<std::int64_t> begin_time;  // inclusive, on create_time; used with end_time
    std::optional<std::int64_t> end_time;    // inclusive
    std::optional<std::uint64_t> after_seq;  // only seq > after_seq (sync)
    std::size_t offset = 0;                  // counted from the oldest match
    std::size_t limit = 100;
};

// Marks one message as recalled (J-IM cmd 15). The checks run in this order: the message must
// exist, be live (not expired) and carry `id` (else not_found); be from `sender` when that is
// set (else forbidden); a message already recalled is answered with already = true; finally its
// create_time must be >= sent_after (else recall_too_late).
struct RecallRequest {
    std::string conversation;
    std::uint64_t seq = 0;
    std::string id;
    std::string sender;  // empty: any sender (the admin API)
    std::int64_t sent_after = std::numeric_limits<std::int64_t>::min();
    // The body history shows from now on, built from the stored record (the service drops the
    // content). Runs on the store thread; must not throw. Null keeps the body.
    std::function<std::string(const MessageRecord&)> rewrite;
};

struct RecallResult {
    Errc error = Errc::ok;
    bool already = false;   // it had been recalled before; nothing was written
    MessageRecord message;  // as stored afterwards (recalled = true), when error == ok
};

// Removes one message for good (the admin API, "messages: delete"): its body and record are
// gone from history, inboxes (entries pointing at it are skipped, like expired ones) and
// recent_conversations; a later append with its client_msg_id is a new message. Its seq keeps
// its place: it is not reused and later messages keep theirs, so sync by seq sees a gap.
// The checks: seq must be in 1..last_seq of the conversation (else not_found); a stored, live
// message must carry `id` (else not_found, nothing deleted); a seq whose message is already
// gone (deleted before, or expired) answers already = true and writes nothing, so deleting
// twice is harmless.
struct DeleteRequest {
    std::string conversation;
    std::uint64_t seq = 0;
    std::string id;
};

struct DeleteResult {
    Errc error = Errc::ok;
    bool already = false;  // nothing was there any more; nothing was written
    // The record as it was before the deletion (body included) when error == ok and
    // !already; with already only conversation and seq are set.
    MessageRecord message;
};

// One conversation of a user with its unread count (recent_conversations).
struct ConversationSummary {
    std::string conversation;
    std::uint64_t last_seq = 0;
    std::uint64_t read_seq = 0;  // the user's read cursor (<= last_seq)
    std::uint64_t unread = 0;    // last_seq - read_seq
    MessageRecord last;          // the newest live message
};

struct InboxEntry {
    std::uint64_t inbox_seq = 0;  // per user, increasing
    MessageRecord message;
};

// The memory an engine accounts for itself, in bytes (RocksDB's own figures; docs/operations.md).
struct EngineMemory {
    std::uint64_t block_cache = 0;         // in the block cache now (pinned blocks included)
    std::uint64_t block_cache_pinned = 0;  // of which pinned (in use by readers or iterators)
    std::uint64_t memtables = 0;           // active, immutable and pinned memtables
    std::uint64_t table_readers = 0;  // open table files' index and filter blocks outside the cache
};

struct StoreStats {
    std::uint64_t appends = 0;
    std::uint64_t commits = 0;  // group commits (log writes)
    std::uint64_t duplicates = 0;
    std::uint64_t inbox_dropped = 0;    // inbox entries dropped by inbox_max
    std::uint64_t history_expired = 0;  // messages dropped by history_ttl_s
    // Duration of each group commit's engine write (one log write, maybe an fsync).
    LatencyHistogram::Snapshot commit_latency;
    // Set by engines that account for their memory (rocksdb); empty for the others.
    std::optional<EngineMemory> engine_memory;
};

class MessageStore {
  public:
    template <class T>
    using Done = std::function<void(Result<T>)>;

    virtual ~MessageStore() = default;

    virtual void append(AppendRequest request, std::function<void(AppendResult)> done) = 0;
    // Oldest first.
    virtual void history(HistoryQuery query, Done<std::vector<MessageRecord>> done) = 0;
    // The highest seq of a conversation (0 if empty).
    virtual void last_seq(std::string conversation, Done<std::uint64_t> done) = 0;
    // Up to `limit` inbox entries of `user`, oldest first, without removing them.
    virtual void read_inbox(std::string user, std::size_t limit,
                            Done<std::vector<InboxEntry>> done) = 0;
    virtual void ack_inbox(std::string user, std::uint64_t up_to,
                           std::function<void(Errc)> done) = 0;

    // Users and groups (P4 #8): profiles are JSON objects (nick, avatar, sign, ...).
    virtual void put_profile(std::string user, std::string profile_json,
                             std::function<void(Errc)> done) = 0;
    virtual void get_profile(std::string user, Done<std::optional<std::string>> done) = 0;
    virtual void add_member(std::string group, std::string user,
                            std::function<void(Errc)> done) = 0;
    virtual void remove_member(std::string group, std::string user,
                               std::function<void(Errc)> done) = 0;
    virtual void members(std::string group, Done<std::vector<std::string>> done) = 0;
    virtual void groups_of(std::string user, Done<std::vector<std::string>> done) = 0;
    // A group's own data (the admin API: name, owner, ...), a JSON object like a profile,
    // independent of its memberships. put replaces it whole; removing an absent one is ok;
    // get gives nullopt when none is stored.
    virtual void put_group_info(std::string group, std::string info_json,
                                std::function<void(Errc)> done) = 0;
    virtual void get_group_info(std::string group, Done<std::optional<std::string>> done) = 0;
    virtual void remove_group_info(std::string group, std::function<void(Errc)> done) = 0;

    // Contact lists. A user's list is its own (adding bob to alice's list does not add alice to
    // bob's). add_friend of a listed friend changes its category; removing an unlisted one is
    // ok. friends() is sorted by friend id; followers(user) are the users whose lists hold
    // `user` (who want its presence), sorted.
    virtual void add_friend(std::string user, std::string friend_id, std::string category,
                            std::function<void(Errc)> done) = 0;
    virtual void remove_friend(std::string user, std::string friend_id,
                               std::function<void(Errc)> done) = 0;
    virtual void friends(std::string user, Done<std::vector<Friend>> done) = 0;
    virtual void followers(std::string user, Done<std::vector<std::string>> done) = 0;

    // Recall and receipts (P5). See RecallRequest for the checks.
    virtual void recall(RecallRequest request, std::function<void(RecallResult)> done) = 0;
    // Deletes a message for good; see DeleteRequest for the checks.
    virtual void delete_message(DeleteRequest request, std::function<void(DeleteResult)> done) = 0;
    // Moves `user`'s read cursor in `conversation` to `seq`, clamped to the conversation's last
    // seq and never backwards; the result is the cursor afterwards.
    virtual void set_read_cursor(std::string user, std::string conversation, std::uint64_t seq,
                                 Done<std::uint64_t> done) = 0;
    // The user's conversations that hold a live message, newest last message first (by
    // create_time, then by id, which the server makes time-ordered), at most
    // `limit`: every group it belongs to, and every private conversation it has sent or
    // received in since this feature exists (the first message of a conversation files it for
    // both users). Costs one lookup per conversation of the user.
    virtual void recent_conversations(std::string user, std::size_t limit,
                                      Done<std::vector<ConversationSummary>> done) = 0;

    // Bans (P8): durable when `done` runs. put_ban of a banned user replaces the reason;
    // removing an unbanned user is ok. bans() lists every ban, sorted by user (the server loads
    // them at start-up).
    virtual void put_ban(std::string user, std::string reason, std::function<void(Errc)> done) = 0;
    virtual void remove_ban(std::string user, std::function<void(Errc)> done) = 0;
    virtual void bans(Done<std::vector<Ban>> done) = 0;

    // Blocks until every call made before it has completed (tests, shutdown).
    virtual void drain() = 0;
    virtual StoreStats stats() const = 0;
};

// Opens the engine named by options.engine. Throws std::runtime_error at start-up with a clear
// message (unknown engine, database cannot be opened).
std::unique_ptr<MessageStore> open_store(const StoreOptions& options);

}  // namespace jim::store
