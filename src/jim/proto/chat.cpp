// prepare_chat runs once per chat message, so it avoids a JSON document: Boost.JSON's
// basic_parser validates the body (strict JSON, UTF-8, depth limit, finite numbers) and hands
// the top-level members this function interprets to a small handler, and the completed body
// is then written by copying the client's members verbatim (MemberScanner walks the already
// validated text), with the server's values in place of the members it owns. bench/chat_bench.cpp
// measures it.
#include "jim/proto/chat.hpp"

#include <boost/json/serialize.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/proto/json_util.hpp"

namespace jim::proto {
namespace {

using boost::system::error_code;

// The top-level members prepare_chat reads or replaces.
enum class Member : std::uint8_t {
    chat_type,
    msg_type,
    to,
    group_id,
    from,
    client_msg_id,
    id,
    create_time,
    other
};
constexpr std::size_t kInterpreted = 8;  // every Member but `other`

Member member_of(std::string_view key) {
    if (key == "chatType") return Member::chat_type;
    if (key == "msgType") return Member::msg_type;
    if (key == "to") return Member::to;
    if (key == "groupId") return Member::group_id;
    if (key == "from") return Member::from;
    if (key == "clientMsgId") return Member::client_msg_id;
    if (key == "id") return Member::id;
    if (key == "createTime") return Member::create_time;
    return Member::other;
}

// A scalar top-level value, as much of it as prepare_chat needs.
struct Scalar {
    enum class Kind : std::uint8_t { absent, string, int64, uint64, dbl, null, other };
    Kind kind = Kind::absent;
    std::string str;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    double d = 0;
};

// The integer a member holds: an integral JSON number, or a string holding one ("2"), as
// proto::get_int reads it from a document.
std::optional<std::int64_t> as_int(const Scalar& s) {
    switch (s.kind) {
        case Scalar::Kind::int64:
            return s.i;
        case Scalar::Kind::uint64:
            if (s.u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
            return static_cast<std::int64_t>(s.u);
        case Scalar::Kind::dbl:
            return int_from_double(s.d);
        case Scalar::Kind::string:
            return int_from_string(s.str);
        default:
            return std::nullopt;
    }
}

const std::string* as_string(const Scalar& s) {
    return s.kind == Scalar::Kind::string ? &s.str : nullptr;
}

// What the parse found, filled by Handler.
struct Parsed {
    std::array<Scalar, kInterpreted> members;
    std::vector<Member> order;  // the member of each top-level key, in document order
    bool not_object = false;
    bool non_finite = false;
    bool duplicate = false;
};

// basic_parser handler: records the interpreted top-level members and refuses what may not be
// re-sent (a non-object document, an infinite number, an interpreted member given twice).
struct Handler {
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    Parsed& out;
    int depth = 0;
    Member current = Member::other;  // the member whose value comes next (depth 1)
    std::string key;

    explicit Handler(Parsed& p) : out(p) {}

    Scalar* target() {
        return depth == 1 && current != Member::other
                   ? &out.members[static_cast<std::size_t>(current)]
                   : nullptr;
    }
    bool top_level_value() {
        if (depth > 0) return true;
        out.not_object = true;
        return false;
    }
    bool set_other() {
        if (!top_level_value()) return false;
        if (Scalar* s = target()) s->kind = Scalar::Kind::other;
        return true;
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code&) {
        if (!set_other()) return false;
        ++depth;
        return true;
    }
    bool on_array_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_object_begin(error_code&) {
        if (depth > 0 && !set_other()) return false;
        ++depth;
        return true;
    }
    bool on_object_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_string_part(std::string_view s, std::size_t, error_code&) {
        if (!top_level_value()) return false;
        if (Scalar* t = target()) {
            t->kind = Scalar::Kind::string;
            t->str.append(s);
        }
        return true;
    }
    bool on_string(std::string_view s, std::size_t n, error_code& ec) {
        return on_string_part(s, n, ec);
    }
    bool on_key_part(std::string_view s, std::size_t, error_code&) {
        if (depth == 1) key.append(s);
        return true;
    }
    bool on_key(std::string_view s, std::size_t, error_code&) {
        if (depth != 1) return true;
        key.append(s);
        current = member_of(key);
        key.clear();
        out.order.push_back(current);
        if (Scalar* t = target(); t != nullptr && t->kind != Scalar::Kind::absent) {
            out.duplicate = true;
            return false;
        }
        return true;
    }
    bool on_number_part(std::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, std::string_view, error_code&) {
        if (!top_level_value()) return false;
        if (Scalar* t = target()) {
            t->kind = Scalar::Kind::int64;
            t->i = i;
        }
        return true;
    }
    bool on_uint64(std::uint64_t u, std::string_view, error_code&) {
        if (!top_level_value()) return false;
        if (Scalar* t = target()) {
            t->kind = Scalar::Kind::uint64;
            t->u = u;
        }
        return true;
    }
    // 1e999 parses as an infinite double; no JSON can carry it on, so the body is refused.
    bool on_double(double d, std::string_view, error_code&) {
        if (!top_level_value()) return false;
        if (!std::isfinite(d)) {
            out.non_finite = true;
            return false;
        }
        if (Scalar* t = target()) {
            t->kind = Scalar::Kind::dbl;
            t->d = d;
        }
        return true;
    }
    bool on_bool(bool, error_code&) { return set_other(); }
    bool on_null(error_code&) {
        if (!top_level_value()) return false;
        if (Scalar* t = target()) t->kind = Scalar::Kind::null;
        return true;
    }
    bool on_comment_part(std::string_view, error_code&) { return true; }
    bool on_comment(std::string_view, error_code&) { return true; }
};

// Walks the top-level members of a JSON object that basic_parser has already accepted, giving
// each member's raw key and value text. Only valid input reaches it, so it needs to know just
// where strings, objects and arrays end.
class MemberScanner {
  public:
    explicit MemberScanner(std::string_view json) : s_(json) {
        skip_ws();
        ++pos_;  // '{'
    }

    // The next member's raw key (with quotes) and value; false after the last one.
    bool next(std::string_view& key, std::string_view& value) {
        skip_ws();
        if (s_[pos_] == ',') {
            ++pos_;
            skip_ws();
        }
        if (s_[pos_] == '}') return false;
        const std::size_t key_begin = pos_;
        skip_string();
        key = s_.substr(key_begin, pos_ - key_begin);
        skip_ws();
        ++pos_;  // ':'
        skip_ws();
        const std::size_t value_begin = pos_;
        skip_value();
        value = s_.substr(value_begin, pos_ - value_begin);
        return true;
    }

  private:
    void skip_ws() {
        while (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r') ++pos_;
    }
    void skip_string() {  // at the opening quote
        ++pos_;
        while (s_[pos_] != '"') pos_ += s_[pos_] == '\\' ? 2 : 1;
        ++pos_;
    }
    void skip_value() {
        const char c = s_[pos_];
        if (c == '"') return skip_string();
        if (c == '{' || c == '[') {
            int depth = 0;
            do {
                const char d = s_[pos_];
                if (d == '"') {
                    skip_string();
                    continue;
                }
                if (d == '{' || d == '[') ++depth;
                if (d == '}' || d == ']') --depth;
                ++pos_;
            } while (depth > 0);
            return;
        }
        // A number, true, false or null: up to the next delimiter.
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ' ' &&
               s_[pos_] != '\t' && s_[pos_] != '\n' && s_[pos_] != '\r') {
            ++pos_;
        }
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

Errc fail(PreparedChat& out, Errc e, std::string_view reason) {
    out.reason.assign(reason);
    return e;
}

const Scalar& member(const Parsed& p, Member m) {
    return p.members[static_cast<std::size_t>(m)];
}

bool present(const Scalar& s) {
    return s.kind != Scalar::Kind::absent && s.kind != Scalar::Kind::null;
}

void append_int(std::string& out, std::int64_t value) {
    char digits[24];
    const auto r = std::to_chars(std::begin(digits), std::end(digits), value);
    out.append(digits, r.ptr);
}

bool only_whitespace(std::string_view s) {
    return s.find_first_not_of(" \t\n\r") == std::string_view::npos;
}

}  // namespace

Errc prepare_chat(std::string_view json, std::string_view user, std::string_view id,
                  std::int64_t now_ms, PreparedChat& out) {
    Parsed parsed;
    {
        boost::json::basic_parser<Handler> parser(boost::json::parse_options{}, parsed);
        error_code ec;
        const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
        if (!ec && !only_whitespace(json.substr(used))) {
            return fail(out, Errc::bad_json, "body is not a JSON object");
        }
        if (parsed.non_finite) return fail(out, Errc::bad_json, "number out of range");
        if (parsed.duplicate) {
            return fail(out, Errc::bad_json, "a member the server reads is given twice");
        }
        if (ec || parsed.not_object) return fail(out, Errc::bad_json, "body is not a JSON object");
    }

    const auto chat_type = as_int(member(parsed, Member::chat_type));
    if (!chat_type) return fail(out, Errc::missing_field, "chatType is required");
    if (*chat_type == static_cast<int>(ChatType::private_chat)) {
        const std::string* to = as_string(member(parsed, Member::to));
        if (to == nullptr || to->empty()) return fail(out, Errc::missing_field, "to is required");
        out.type = ChatType::private_chat;
        out.to = *to;
    } else if (*chat_type == static_cast<int>(ChatType::group)) {
        const std::string* group = as_string(member(parsed, Member::group_id));
        if (group == nullptr || group->empty()) {
            return fail(out, Errc::missing_field, "groupId is required");
        }
        out.type = ChatType::group;
        out.group_id = *group;
    } else {
        return fail(out, Errc::bad_chat_type, "chatType must be 1 (group) or 2 (private)");
    }
    if (const Scalar& from = member(parsed, Member::from); present(from)) {
        const std::string* s = as_string(from);
        if (s == nullptr || (!s->empty() && *s != user)) {
            return fail(out, Errc::impersonation, "from must be the logged-in user");
        }
    }
    if (const Scalar& cid = member(parsed, Member::client_msg_id); present(cid)) {
        const std::string* s = as_string(cid);
        if (s == nullptr || s->empty() || s->size() > 64) {
            return fail(out, Errc::missing_field, "clientMsgId must be a string of 1-64 bytes");
        }
        out.client_msg_id = *s;
    }
    // Numeric members a lenient client may send as strings are normalised (spec §2.6); a
    // msgType that is no integer is passed on as sent.
    const auto msg_type = as_int(member(parsed, Member::msg_type));

    // The client's members in their order and as sent, except those the server writes: these
    // are replaced where they stand, and appended when the client left them out.
    out.body.clear();
    out.body.reserve(json.size() + user.size() + id.size() + 64);
    out.body += '{';
    MemberScanner scanner(json);
    std::string_view key;
    std::string_view value;
    bool wrote_from = false;
    bool wrote_id = false;
    bool wrote_time = false;
    for (const Member m : parsed.order) {
        scanner.next(key, value);
        out.body += key;
        out.body += ':';
        switch (m) {
            case Member::chat_type:
                append_int(out.body, *chat_type);
                break;
            case Member::msg_type:
                if (msg_type) {
                    append_int(out.body, *msg_type);
                } else {
                    out.body += value;
                }
                break;
            case Member::from:
                append_json_string(out.body, user);
                wrote_from = true;
                break;
            case Member::id:
                append_json_string(out.body, id);
                wrote_id = true;
                break;
            case Member::create_time:
                append_int(out.body, now_ms);
                wrote_time = true;
                break;
            default:
                out.body += value;
        }
        out.body += ',';
    }
    if (!wrote_from) {
        out.body += "\"from\":";
        append_json_string(out.body, user);
        out.body += ',';
    }
    if (!wrote_id) {
        out.body += "\"id\":";
        append_json_string(out.body, id);
        out.body += ',';
    }
    if (!wrote_time) {
        out.body += "\"createTime\":";
        append_int(out.body, now_ms);
        out.body += ',';
    }
    out.body.back() = '}';  // the last ','; there is one, since chatType is always a member
    return Errc::ok;
}

namespace {

// The ChatBody without its content, marked with `flag`:true.
std::string without_content(std::string_view body, std::string_view id, std::uint64_t seq,
                            std::string_view flag) {
    if (const auto o = parse_object(body); o && !body.empty()) {
        // Copied member by member: object::erase would move the last member into the hole.
        boost::json::value v(boost::json::object_kind);
        auto& kept = v.get_object();
        for (const auto& m : *o) {
            if (m.key() != "content" && m.key() != "extras") kept.emplace(m.key(), m.value());
        }
        kept[flag] = true;
        return boost::json::serialize(v);
    }
    std::string out = "{\"id\":";
    append_json_string(out, id);
    out += ",\"";
    out += flag;
    out += "\":true,\"seq\":" + std::to_string(seq) + "}";
    return out;
}

}  // namespace

std::string recalled_chat_body(std::string_view body, std::string_view id, std::uint64_t seq) {
    return without_content(body, id, seq, "recalled");
}

std::string deleted_chat_body(std::string_view body, std::string_view id, std::uint64_t seq) {
    return without_content(body, id, seq, "deleted");
}

}  // namespace jim::proto
