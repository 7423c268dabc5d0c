#pragma once
// Bytes of every key and value the store writes into an ordered key-value engine (the table is
// in docs/storage.md). Integers inside keys are fixed-width big-endian so byte order equals
// numeric order; strings inside keys are length-prefixed (LEB128 length, then the bytes), which
// makes every key prefix-free: no id can run into its neighbour, whatever bytes it holds.
//
//   m <conv> <seq:8>                      -> message record (encode_message), or the tombstone
//                                            of a deleted message (encode_tombstone)
//   t <conv> <create_time:8> <seq:8>      -> "" (time index for history windows)
//   c <sender> <client_msg_id>            -> <conv> <seq:8>
//   i <user> <inbox_seq:8>                -> <conv> <seq:8>
//   p <user>                              -> profile JSON
//   g <group> <user>                      -> "" (members of a group)
//   u <user> <group>                      -> "" (groups of a user)
//   G <group>                             -> group info JSON (name, owner)
//   r <user> <friend>                     -> category (the user's contact list)
//   R <friend> <user>                     -> "" (followers: whose lists hold the friend)
//   k <user> <conv>                       -> <seq:8> (the user's read cursor)
//   b <user>                              -> reason (a ban of the admin API)
//   f m <conv>                            -> <seq:8> (every seq <= this has expired)
//   f i <user>                            -> <inbox_seq:8> (every inbox_seq <= this is gone)
//
// Thread: any (pure functions).

#include <cstdint>
#include <string>
#include <string_view>

#include "jim/store/message_store.hpp"

namespace jim::store::detail {

inline constexpr char kTagMessage = 'm';

// Primitive pieces. The take_* functions consume from `in` and return false on short input.
void put_be64(std::string& out, std::uint64_t v);
bool take_be64(std::string_view& in, std::uint64_t& v);
void put_str(std::string& out, std::string_view s);
bool take_str(std::string_view& in, std::string_view& s);
std::string be64(std::uint64_t v);
// The value of a floor record (or 0 when the value is malformed).
std::uint64_t be64_value(std::string_view s);

// create_time as an unsigned key part that sorts like the signed value.
inline std::uint64_t time_bits(std::int64_t t) {
    return static_cast<std::uint64_t>(t) ^ (std::uint64_t{1} << 63);
}
inline std::int64_t time_from_bits(std::uint64_t b) {
    return static_cast<std::int64_t>(b ^ (std::uint64_t{1} << 63));
}

// Keys. A *_prefix is the common start of every key of one conversation, user or group; a
// suffix of kAfterAll placed after it sorts after every key that has the prefix.
inline constexpr std::string_view kAfterAll = "\xff\xff\xff\xff\xff\xff\xff\xff\xff";
std::string message_prefix(std::string_view conversation);
std::string message_key(std::string_view conversation, std::uint64_t seq);
std::string time_prefix(std::string_view conversation);
std::string time_key(std::string_view conversation, std::int64_t create_time, std::uint64_t seq);
std::string client_id_key(std::string_view sender, std::string_view client_msg_id);
std::string inbox_prefix(std::string_view user);
std::string inbox_key(std::string_view user, std::uint64_t inbox_seq);
std::string profile_key(std::string_view user);
inline constexpr std::string_view kBanPrefix = "b";
std::string ban_key(std::string_view user);
std::string group_info_key(std::string_view group);
std::string member_prefix(std::string_view group);
std::string member_key(std::string_view group, std::string_view user);
std::string group_of_prefix(std::string_view user);
std::string group_of_key(std::string_view user, std::string_view group);
std::string friend_prefix(std::string_view user);
std::string friend_key(std::string_view user, std::string_view friend_id);
std::string follower_prefix(std::string_view user);
std::string follower_key(std::string_view user, std::string_view follower);
std::string read_cursor_prefix(std::string_view user);
std::string read_cursor_key(std::string_view user, std::string_view conversation);
std::string seq_floor_key(std::string_view conversation);
std::string inbox_floor_key(std::string_view user);

// The conversation a message key (or any key starting with m <conv>) belongs to.
bool conversation_of_message_key(std::string_view key, std::string& conversation);

// Value of inbox and client-id entries: where the message lives.
std::string message_ref(std::string_view conversation, std::uint64_t seq);
bool parse_message_ref(std::string_view value, std::string& conversation, std::uint64_t& seq);

// Message record: version, flags, create_time, id, sender, client_msg_id, then the body.
std::string encode_message(const AppendRequest& request, std::string_view final_body);
// The same for a record read back (recall rewrites one): flags from message.recalled.
std::string encode_record(const MessageRecord& message, std::string_view client_msg_id);
// What stays of a deleted message: its key (so the conversation's last seq survives a restart)
// and its create_time (so the expiry sweep removes it in turn); no id, sender or body. Reads
// treat it as absent.
std::string encode_tombstone(std::int64_t create_time);
bool is_tombstone(std::string_view value);
// Fills every field of `out` but conversation and seq (they are in the key); `client_msg_id`
// may be null. False if the bytes are not a record this version wrote.
bool decode_message(std::string_view value, MessageRecord& out, std::string* client_msg_id);

// `body` is a JSON object text without "seq"; writes it with ,"seq":N added before the closing
// brace (no comma for an empty object). False when `body` does not look like an object, so a
// caller's bug can never produce invalid JSON.
bool splice_seq(std::string_view body, std::uint64_t seq, std::string& out);

}  // namespace jim::store::detail
