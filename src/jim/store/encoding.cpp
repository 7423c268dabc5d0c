#include "jim/store/encoding.hpp"

#include <charconv>

namespace jim::store::detail {
namespace {

constexpr std::uint8_t kRecordVersion = 1;
constexpr std::uint8_t kFlagRecalled = 0x01;
constexpr std::uint8_t kFlagDeleted = 0x02;

std::string tagged(char tag, std::string_view s, std::size_t extra = 0) {
    std::string out;
    out.reserve(1 + 5 + s.size() + extra);
    out.push_back(tag);
    put_str(out, s);
    return out;
}

std::string tagged2(char tag, std::string_view a, std::string_view b) {
    std::string out = tagged(tag, a, 5 + b.size());
    put_str(out, b);
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

void put_be64(std::string& out, std::uint64_t v) {
    char bytes[8];
    for (int i = 7; i >= 0; --i) {
        bytes[i] = static_cast<char>(v & 0xff);
        v >>= 8;
    }
    out.append(bytes, sizeof bytes);
}

bool take_be64(std::string_view& in, std::uint64_t& v) {
    if (in.size() < 8) return false;
    v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
    in.remove_prefix(8);
    return true;
}

void put_str(std::string& out, std::string_view s) {
    std::size_t n = s.size();
    while (n >= 0x80) {
        out.push_back(static_cast<char>((n & 0x7f) | 0x80));
        n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    out.append(s);
}

bool take_str(std::string_view& in, std::string_view& s) {
    std::uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
        if (in.empty() || shift > 56) return false;
        const auto b = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        n |= std::uint64_t{b & 0x7fu} << shift;
        if ((b & 0x80) == 0) break;
    }
    if (n > in.size()) return false;
    s = in.substr(0, n);
    in.remove_prefix(n);
    return true;
}

std::string be64(std::uint64_t v) {
    std::string out;
    put_be64(out, v);
    return out;
}

std::uint64_t be64_value(std::string_view s) {
    std::uint64_t v = 0;
    return take_be64(s, v) ? v : 0;
}

std::string message_prefix(std::string_view conversation) {
    return tagged(kTagMessage, conversation, 8);
}

std::string message_key(std::string_view conversation, std::uint64_t seq) {
    std::string k = message_prefix(conversation);
    put_be64(k, seq);
    return k;
}

std::string time_prefix(std::string_view conversation) {
    return tagged('t', conversation, 16);
}

std::string time_key(std::string_view conversation, std::int64_t create_time, std::uint64_t seq) {
    std::string k = time_prefix(conversation);
    put_be64(k, time_bits(create_time));
    put_be64(k, seq);
    return k;
}

std::string client_id_key(std::string_view sender, std::string_view client_msg_id) {
    return tagged2('c', sender, client_msg_id);
}

std::string inbox_prefix(std::string_view user) {
    return tagged('i', user, 8);
}

std::string inbox_key(std::string_view user, std::uint64_t inbox_seq) {
    std::string k = inbox_prefix(user);
    put_be64(k, inbox_seq);
    return k;
}

std::string profile_key(std::string_view user) {
    return tagged('p', user);
}
std::string ban_key(std::string_view user) {
    return tagged('b', user);
}
std::string group_info_key(std::string_view group) {
    return tagged('G', group);
}
std::string member_prefix(std::string_view group) {
    return tagged('g', group);
}
std::string member_key(std::string_view group, std::string_view user) {
    return tagged2('g', group, user);
}
std::string group_of_prefix(std::string_view user) {
    return tagged('u', user);
}
std::string group_of_key(std::string_view user, std::string_view group) {
    return tagged2('u', user, group);
}

std::string friend_prefix(std::string_view user) {
    return tagged('r', user);
}
std::string friend_key(std::string_view user, std::string_view friend_id) {
    return tagged2('r', user, friend_id);
}
std::string follower_prefix(std::string_view user) {
    return tagged('R', user);
}
std::string follower_key(std::string_view user, std::string_view follower) {
    return tagged2('R', user, follower);
}
std::string read_cursor_prefix(std::string_view user) {
    return tagged('k', user);
}
std::string read_cursor_key(std::string_view user, std::string_view conversation) {
    return tagged2('k', user, conversation);
}

std::string seq_floor_key(std::string_view conversation) {
    std::string k = "fm";
    put_str(k, conversation);
    return k;
}

std::string inbox_floor_key(std::string_view user) {
    std::string k = "fi";
    put_str(k, user);
    return k;
}

bool conversation_of_message_key(std::string_view key, std::string& conversation) {
    if (key.empty() || key.front() != kTagMessage) return false;
    key.remove_prefix(1);
    std::string_view conv;
    if (!take_str(key, conv)) return false;
    conversation.assign(conv);
    return true;
}

std::string message_ref(std::string_view conversation, std::uint64_t seq) {
    std::string v;
    v.reserve(5 + conversation.size() + 8);
    put_str(v, conversation);
    put_be64(v, seq);
    return v;
}

bool parse_message_ref(std::string_view value, std::string& conversation, std::uint64_t& seq) {
    std::string_view conv;
    if (!take_str(value, conv) || !take_be64(value, seq) || !value.empty()) return false;
    conversation.assign(conv);
    return true;
}

namespace {

std::string encode(std::int64_t create_time, std::string_view id, std::string_view sender,
                   std::string_view client_msg_id, std::uint8_t flags, std::string_view body) {
    std::string v;
    v.reserve(2 + 8 + 15 + id.size() + sender.size() + client_msg_id.size() + body.size());
    v.push_back(static_cast<char>(kRecordVersion));
    v.push_back(static_cast<char>(flags));
    put_be64(v, static_cast<std::uint64_t>(create_time));
    put_str(v, id);
    put_str(v, sender);
    put_str(v, client_msg_id);
    v.append(body);
    return v;
}

}  // namespace

std::string encode_message(const AppendRequest& request, std::string_view final_body) {
    return encode(request.create_time, request.id, request.sender, request.client_msg_id, 0,
                  final_body);
}

std::string encode_record(const MessageRecord& message, std::string_view client_msg_id) {
    return encode(message.create_time, message.id, message.sender, client_msg_id,
                  message.recalled ? kFlagRecalled : 0, message.body);
}

std::string encode_tombstone(std::int64_t create_time) {
    return encode(create_time, {}, {}, {}, kFlagDeleted, {});
}

bool is_tombstone(std::string_view value) {
    return value.size() >= 2 && (static_cast<std::uint8_t>(value[1]) & kFlagDeleted) != 0;
}

bool decode_message(std::string_view value, MessageRecord& out, std::string* client_msg_id) {
    if (value.size() < 2 || static_cast<std::uint8_t>(value[0]) != kRecordVersion) return false;
    const auto flags = static_cast<std::uint8_t>(value[1]);
    value.remove_prefix(2);
    std::uint64_t time = 0;
    std::string_view id, sender, cmid;
    if (!take_be64(value, time) || !take_str(value, id) || !take_str(value, sender) ||
        !take_str(value, cmid)) {
        return false;
    }
    out.create_time = static_cast<std::int64_t>(time);
    out.id.assign(id);
    out.sender.assign(sender);
    out.body.assign(value);
    out.recalled = (flags & kFlagRecalled) != 0;
    if (client_msg_id != nullptr) client_msg_id->assign(cmid);
    return true;
}

bool splice_seq(std::string_view body, std::uint64_t seq, std::string& out) {
    std::size_t begin = 0;
    std::size_t end = body.size();
    while (begin < end && is_space(body[begin])) ++begin;
    while (end > begin && is_space(body[end - 1])) --end;
    if (end - begin < 2 || body[begin] != '{' || body[end - 1] != '}') return false;
    std::size_t inner_end = end - 1;  // the closing brace
    while (inner_end > begin + 1 && is_space(body[inner_end - 1])) --inner_end;
    const bool empty = inner_end == begin + 1;

    char digits[24];
    const auto [ptr, ec] = std::to_chars(digits, digits + sizeof digits, seq);
    (void)ec;  // 24 bytes always hold a uint64
    out.clear();
    out.reserve(inner_end - begin + 8 + static_cast<std::size_t>(ptr - digits));
    out.append(body.substr(begin, inner_end - begin));
    out.append(empty ? "\"seq\":" : ",\"seq\":");
    out.append(digits, ptr);
    out.push_back('}');
    return true;
}

}  // namespace jim::store::detail
