#pragma once
// The Lua scripts of the redis engine (redis_store.cpp). Each runs atomically in Redis, so one
// script per call keeps every MessageStore contract that needs more than one key (seq +
// message + indexes + inbox entries; an inbox ack) without a round trip per step. Key layout
// and arguments: docs/storage.md, "Redis engine".
// Thread: any (constants).

#include <string_view>

namespace jim::store::detail::redis_lua {

// One or more appends in order (redis_append_batch.hpp), each as if alone.
// KEYS per append: seq, msg, time, conversation cid map, sender cid hash, expiry index, sender
//       cursors, the other user's cursors (private conversations; else the sender's again),
//       then (inbox list, inbox base) per recipient.
// ARGV: prefix, inbox_max, ttl on (1/0), then per append: conversation, sender, client_msg_id,
//       record header, body head (up to and including "seq":), create_time, recipients.
// Returns per append {0, seq, dropped} for a new message, {1, seq, record} for a duplicate.
extern const std::string_view kAppend;

// KEYS: seq, msg, time, floor. ARGV: cutoff ("" without expiry), after_seq, offset, limit,
// begin ("" for none), end ("" for none). Returns {seq, record, seq, record, ...}.
extern const std::string_view kHistory;

// KEYS: inbox list, inbox base. ARGV: prefix, limit, cutoff ("" without expiry).
// Returns {inbox_seq, conversation, seq, record, ...}.
extern const std::string_view kReadInbox;

// KEYS: inbox list, inbox base. ARGV: up_to. Returns how many entries were removed.
extern const std::string_view kAckInbox;

// KEYS: members set, groups set. ARGV: user, group, 1 to add / 0 to remove.
extern const std::string_view kMembership;

// KEYS: the user's friends hash, the friend's followers set. ARGV: user, friend, category,
// 1 to add (or move to the category) / 0 to remove.
extern const std::string_view kFriendship;

// KEYS: expiry index. ARGV: prefix, cutoff, budget (messages examined).
// Returns {deleted, more (1/0)}.
extern const std::string_view kSweep;

// KEYS: msg. ARGV: seq, the record as read, the record to write. Writes only when the stored
// record is still the one read (compare and set). Returns 1 if written, 0 if it changed.
extern const std::string_view kRecallSwap;

// KEYS: the user's cursors, the conversation's seq. ARGV: conversation, seq.
// Moves the cursor to min(seq, last seq) unless that is backwards. Returns the cursor after.
extern const std::string_view kReadCursor;

// KEYS: seq, msg. Returns {last seq (0 if none), record, its seq}: the newest record, walking
// back over at most 256 deleted messages (like KvStore), or {last seq, nil} when none is found.
extern const std::string_view kLastMessage;

// KEYS: seq, msg, time, conversation cid map. ARGV: seq, the id as the record encodes it
// (length-prefixed), cutoff ("" without expiry), prefix. Returns {0} (not_found), {1, record}
// (deleted: the record as it was) or {2} (already gone). The seq counter is untouched, so the
// seq is never reused.
extern const std::string_view kDelete;

}  // namespace jim::store::detail::redis_lua
