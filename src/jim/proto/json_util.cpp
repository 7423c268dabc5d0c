#include "jim/proto/json_util.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace jim::proto {

// Hot path (every reply and push): runs of characters that need no escape are appended in one
// call; only quotes, backslashes and control characters are handled one by one.
void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (u >= 0x20 && u != '"' && u != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (u) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out.push_back(kHex[u >> 4]);
                out.push_back(kHex[u & 0xF]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

std::string string_members_object(
    std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
    std::string out = "{";
    for (const auto& [name, value] : members) {
        if (value.empty()) continue;
        if (out.size() > 1) out += ',';
        append_json_string(out, name);
        out += ':';
        append_json_string(out, value);
    }
    out += '}';
    return out;
}

std::optional<boost::json::object> parse_object(std::string_view body) {
    if (body.empty()) return boost::json::object();
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !all_numbers_finite(v)) return std::nullopt;
    return std::move(v.get_object());
}

std::optional<std::string_view> get_string(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    const auto& s = v->get_string();
    return std::string_view(s.data(), s.size());
}

std::optional<std::int64_t> get_int(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) {
        const auto u = v->get_uint64();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (v->is_double()) return int_from_double(v->get_double());
    if (v->is_string()) {
        const auto& str = v->get_string();
        return int_from_string(std::string_view(str.data(), str.size()));
    }
    return std::nullopt;
}

std::optional<std::int64_t> int_from_double(double d) noexcept {
    // Range first: converting an out-of-range double to an integer is undefined behaviour.
    if (!(d > -9.0e18 && d < 9.0e18)) return std::nullopt;
    const auto i = static_cast<std::int64_t>(d);
    if (static_cast<double>(i) == d) return i;
    return std::nullopt;
}

std::optional<std::int64_t> int_from_string(std::string_view s) noexcept {
    std::int64_t out = 0;
    const char* first = s.data();
    const char* last = first + s.size();
    const auto [ptr, ec] = std::from_chars(first, last, out);
    if (ec == std::errc() && ptr == last && first != last) return out;
    return std::nullopt;
}

namespace {

// basic_parser handler for peek_command: follows nesting, and at the top level reads the value
// of "cmd", then stops the parse (returns false).
struct CommandPeeker {
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    using error_code = boost::system::error_code;

    int depth = 0;
    bool at_cmd = false;  // the next value is the top-level "cmd"
    std::string text;     // key or string parts
    std::optional<std::int64_t> cmd;

    bool value(std::optional<std::int64_t> v) {
        if (depth == 0) return false;  // the document is not an object
        if (!at_cmd) return true;
        cmd = v;
        return false;  // "cmd" is read: stop
    }
    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    // A container as the top-level document (only an object may be) or as the value of "cmd"
    // (unusable) ends the parse.
    bool container(bool object) {
        if (depth == 0 ? !object : !value(std::nullopt)) return false;
        ++depth;
        return true;
    }
    bool on_array_begin(error_code&) { return container(false); }
    bool on_array_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_object_begin(error_code&) { return container(true); }
    bool on_object_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_string_part(std::string_view s, std::size_t, error_code&) {
        if (depth == 0) return false;
        if (at_cmd) text.append(s);
        return true;
    }
    bool on_string(std::string_view s, std::size_t, error_code&) {
        if (depth == 0) return false;
        if (!at_cmd) return true;
        text.append(s);
        return value(int_from_string(text));
    }
    bool on_key_part(std::string_view s, std::size_t, error_code&) {
        if (depth == 1) text.append(s);
        return true;
    }
    bool on_key(std::string_view s, std::size_t, error_code&) {
        if (depth != 1) return true;
        text.append(s);
        at_cmd = text == "cmd";
        text.clear();
        return true;
    }
    bool on_number_part(std::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, std::string_view, error_code&) { return value(i); }
    bool on_uint64(std::uint64_t u, std::string_view, error_code&) {
        return value(u > static_cast<std::uint64_t>(INT64_MAX)
                         ? std::nullopt
                         : std::optional<std::int64_t>(static_cast<std::int64_t>(u)));
    }
    bool on_double(double d, std::string_view, error_code&) { return value(int_from_double(d)); }
    bool on_bool(bool, error_code&) { return value(std::nullopt); }
    bool on_null(error_code&) { return value(std::nullopt); }
    bool on_comment_part(std::string_view, error_code&) { return true; }
    bool on_comment(std::string_view, error_code&) { return true; }
};

}  // namespace

std::optional<std::int64_t> peek_command(std::string_view json) {
    boost::json::basic_parser<CommandPeeker> parser(boost::json::parse_options{});
    boost::system::error_code ec;
    parser.write_some(false, json.data(), json.size(), ec);
    return parser.handler().cmd;
}

bool all_numbers_finite(const boost::json::value& v) noexcept {
    switch (v.kind()) {
        case boost::json::kind::double_:
            return std::isfinite(v.get_double());
        case boost::json::kind::array:
            return std::all_of(v.get_array().begin(), v.get_array().end(),
                               [](const boost::json::value& e) { return all_numbers_finite(e); });
        case boost::json::kind::object:
            return std::all_of(v.get_object().begin(), v.get_object().end(),
                               [](const boost::json::key_value_pair& kv) {
                                   return all_numbers_finite(kv.value());
                               });
        default:
            return true;
    }
}

}  // namespace jim::proto
