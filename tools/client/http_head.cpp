#include "client/http_head.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace jim::client {
namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "HTTP/1.1 200 OK" (the reason may be empty, and so may the space before it).
bool parse_status_line(std::string_view line, ResponseHead& out) {
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') return false;
    out.version = std::string(line.substr(0, 8));
    int status = 0;
    const auto code = line.substr(9, 3);
    const auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), status);
    if (ec != std::errc() || end != code.data() + code.size() || status < 100) return false;
    if (line.size() > 12 && line[12] != ' ') return false;
    out.status = status;
    out.reason = line.size() > 13 ? std::string(line.substr(13)) : std::string();
    out.status_line = std::string(line);
    return true;
}

bool parse_field(std::string_view line, HttpHeaders& out) {
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    const auto name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return false;
    out.add(std::string(name), std::string(trim(line.substr(colon + 1))));
    return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
    for (const auto& [n, v] : fields_) {
        if (iequals(n, name)) return v;
    }
    return std::nullopt;
}

std::vector<std::string> HttpHeaders::get_all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : fields_) {
        if (iequals(n, name)) out.push_back(v);
    }
    return out;
}

void HttpHeaders::add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
}

HeadParse parse_response_head(std::string_view in, std::size_t max_head_bytes) {
    HeadParse r;
    const auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        r.status = in.size() > max_head_bytes ? HeadStatus::error : HeadStatus::need_more;
        return r;
    }
    if (end + 4 > max_head_bytes) {
        r.status = HeadStatus::error;
        return r;
    }
    std::string_view rest = in.substr(0, end + 2);  // every line keeps its CRLF
    bool first = true;
    while (!rest.empty()) {
        const auto eol = rest.find("\r\n");
        const auto line = rest.substr(0, eol);
        rest.remove_prefix(eol + 2);
        const bool ok = first ? parse_status_line(line, r.head) : parse_field(line, r.head.headers);
        if (!ok) {
            r.status = HeadStatus::error;
            return r;
        }
        first = false;
    }
    r.status = HeadStatus::ok;
    r.consumed = end + 4;
    return r;
}

std::string build_request_head(std::string_view method, std::string_view target,
                               const HttpHeaders& defaults, const HttpHeaders& extra) {
    std::string out;
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    auto append_field = [&out](std::string_view name, std::string_view value) {
        out.append(name).append(":").append(value.empty() ? "" : " ").append(value).append("\r\n");
    };
    for (const auto& [name, value] : defaults) {
        const auto replaced = extra.get(name);
        if (replaced && replaced->empty()) continue;
        append_field(name, replaced ? *replaced : value);
    }
    for (const auto& [name, value] : extra) {
        if (!defaults.contains(name)) append_field(name, value);
    }
    out.append("\r\n");
    return out;
}

}  // namespace jim::client
