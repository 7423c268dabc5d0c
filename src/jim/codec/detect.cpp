#include "jim/codec/detect.hpp"

#include <algorithm>
#include <string_view>

namespace jim::codec {
namespace {

constexpr char kTlsHandshake = 0x16;
constexpr std::size_t kMaxMethod = 32;

bool is_token_char(char c) noexcept {
    // RFC 9110 tchar, enough for a method name.
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

// Checks the bytes seen so far can still begin a request line "METHOD SP target SP HTTP/1.x".
// Returns false as soon as they cannot, so garbage is refused without waiting for max_head.
bool plausible_request_line(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && is_token_char(s[i])) ++i;
    // The same cap whether or not the space after the method has arrived, so a split head is
    // judged like the whole one.
    if (i > kMaxMethod) return false;
    if (i == s.size()) return true;  // still reading the method
    if (i == 0 || s[i] != ' ') return false;
    const auto eol = s.find("\r\n");
    auto line = s.substr(0, eol);
    // A trailing CR may be the first half of a CRLF whose LF has not arrived yet.
    if (eol == std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
    // Control characters are not allowed in a request line.
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return false;
    }
    if (eol == std::string_view::npos) return true;
    const auto last_sp = line.rfind(' ');
    if (last_sp == i) return false;  // no target or no version
    const auto version = line.substr(last_sp + 1);
    return version == "HTTP/1.1" || version == "HTTP/1.0";
}

bool has_websocket_key(std::string_view head) noexcept {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const auto line = head.substr(start, end - start);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos &&
            iequals(line.substr(0, colon), "Sec-WebSocket-Key")) {
            return true;
        }
        pos = end;
    }
    return false;
}

}  // namespace

DetectResult detect(std::span<const char> in, std::size_t max_head) noexcept {
    DetectResult r;
    if (in.empty()) return r;
    if (static_cast<std::uint8_t>(in[0]) == 0x01) {
        r.status = DetectResult::Status::done;
        r.protocol = Protocol::tcp;
        return r;
    }
    if (in[0] == kTlsHandshake) {
        r.status = DetectResult::Status::done;
        r.protocol = Protocol::tls;
        return r;
    }
    const std::string_view s(in.data(), std::min(in.size(), max_head + 1));
    if (!plausible_request_line(s)) {
        r.status = DetectResult::Status::error;
        r.error = Errc::bad_http_head;
        return r;
    }
    const auto end = s.find("\r\n\r\n");
    if (end == std::string_view::npos || end + 4 > max_head) {
        if (s.size() > max_head || (end != std::string_view::npos && end + 4 > max_head)) {
            r.status = DetectResult::Status::error;
            r.error = Errc::head_too_large;
        }
        return r;
    }
    r.status = DetectResult::Status::done;
    r.head_size = end + 4;
    r.protocol = has_websocket_key(s.substr(0, end + 2)) ? Protocol::websocket : Protocol::http;
    return r;
}

const char* protocol_name(Protocol p) noexcept {
    switch (p) {
        case Protocol::tcp:
            return "tcp";
        case Protocol::tls:
            return "tls";
        case Protocol::http:
            return "http";
        case Protocol::websocket:
            return "ws";
        case Protocol::unknown:
            break;
    }
    return "unknown";
}

}  // namespace jim::codec
