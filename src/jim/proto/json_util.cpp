#include "jim/proto/json_util.hpp"

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
    if (v->is_double()) {
        const double d = v->get_double();
        // Range first: converting an out-of-range double to an integer is undefined behaviour.
        if (!(d > -9.0e18 && d < 9.0e18)) return std::nullopt;
        const auto i = static_cast<std::int64_t>(d);
        if (static_cast<double>(i) == d) return i;
        return std::nullopt;
    }
    if (v->is_string()) {
        const auto& s = v->get_string();
        std::int64_t out = 0;
        const auto* first = s.data();
        const auto* last = s.data() + s.size();
        auto [ptr, ec] = std::from_chars(first, last, out);
        if (ec == std::errc() && ptr == last && first != last) return out;
    }
    return std::nullopt;
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
