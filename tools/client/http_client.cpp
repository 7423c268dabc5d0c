#include "client/http_client.hpp"

#include <charconv>
#include <utility>

namespace jim::client {
namespace {

enum class BodyKind : std::uint8_t { none, length, chunked, until_close };

struct Body {
    HttpParseStatus status = HttpParseStatus::need_more;
    std::size_t consumed = 0;
    std::string bytes;
};

// A hexadecimal chunk size (at most 15 digits, so it cannot overflow).
std::optional<std::size_t> parse_hex(std::string_view s) {
    if (s.empty() || s.size() > 15) return std::nullopt;
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// RFC 9112 §7.1: chunk = size [; ext] CRLF data CRLF; last-chunk "0" CRLF; trailers; CRLF.
Body parse_chunked(std::string_view in, std::size_t max_body) {
    Body r;
    std::size_t pos = 0;
    for (;;) {
        const auto eol = in.find("\r\n", pos);
        if (eol == std::string_view::npos) return r;
        std::string_view line = in.substr(pos, eol - pos);
        line = line.substr(0, line.find(';'));
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        const auto size = parse_hex(line);
        if (!size || r.bytes.size() + *size > max_body) {
            r.status = HttpParseStatus::error;
            return r;
        }
        pos = eol + 2;
        if (*size == 0) break;
        if (in.size() - pos < *size + 2) return r;
        if (in.substr(pos + *size, 2) != "\r\n") {
            r.status = HttpParseStatus::error;
            return r;
        }
        r.bytes.append(in.substr(pos, *size));
        pos += *size + 2;
    }
    for (;;) {  // trailer fields up to the empty line; ignored
        const auto eol = in.find("\r\n", pos);
        if (eol == std::string_view::npos) return r;
        const bool last = eol == pos;
        pos = eol + 2;
        if (last) break;
    }
    r.status = HttpParseStatus::ok;
    r.consumed = pos;
    return r;
}

std::optional<std::size_t> parse_length(const std::string& s) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

}  // namespace

HttpParse parse_response(std::string_view in, bool head_request, bool eof, std::size_t max_body) {
    HttpParse r;
    auto head = parse_response_head(in);
    if (head.status != HeadStatus::ok) {
        if (head.status == HeadStatus::error) r.status = HttpParseStatus::error;
        return r;
    }
    HttpResponse& out = r.response;
    out.version = std::move(head.head.version);
    out.status = head.head.status;
    out.reason = std::move(head.head.reason);
    out.headers = std::move(head.head.headers);
    const std::string_view rest = in.substr(head.consumed);

    BodyKind kind = BodyKind::until_close;
    std::size_t length = 0;
    const auto te = out.headers.get("Transfer-Encoding");
    const auto cl = out.headers.get("Content-Length");
    if (head_request || out.status < 200 || out.status == 204 || out.status == 304) {
        kind = BodyKind::none;
    } else if (te && has_token(*te, "chunked")) {
        kind = BodyKind::chunked;
    } else if (cl) {
        const auto n = parse_length(*cl);
        if (!n || *n > max_body) {
            r.status = HttpParseStatus::error;
            return r;
        }
        kind = BodyKind::length;
        length = *n;
    }

    Body body;
    switch (kind) {
        case BodyKind::none:
            body.status = HttpParseStatus::ok;
            break;
        case BodyKind::length:
            if (rest.size() >= length)
                body = {HttpParseStatus::ok, length, std::string(rest.substr(0, length))};
            break;
        case BodyKind::chunked:
            body = parse_chunked(rest, max_body);
            out.chunked = true;
            break;
        case BodyKind::until_close:
            if (rest.size() > max_body) body.status = HttpParseStatus::error;
            if (eof && rest.size() <= max_body)
                body = {HttpParseStatus::ok, rest.size(), std::string(rest)};
            out.until_close = true;
            break;
    }
    r.status = body.status;
    if (body.status == HttpParseStatus::ok) {
        r.consumed = head.consumed + body.consumed;
        out.body = std::move(body.bytes);
    }
    return r;
}

boost::system::result<HttpClient> HttpClient::connect(const std::string& host, std::uint16_t port,
                                                      std::chrono::milliseconds timeout,
                                                      const ConnectOptions& options) {
    auto stream = Stream::connect(host, port, timeout, options);
    if (!stream) return stream.error();
    return HttpClient(std::move(*stream), host + ":" + std::to_string(port));
}

std::optional<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                                const HttpHeaders& headers, std::string_view body,
                                                std::chrono::milliseconds timeout) {
    HttpHeaders defaults{{"Host", host_header_}};
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        defaults.add("Content-Length", std::to_string(body.size()));
    }
    std::string bytes = build_request_head(method, target, defaults, headers);
    bytes.append(body);
    if (!send_raw(bytes)) return std::nullopt;
    return read_response(timeout, method == "HEAD");
}

bool HttpClient::send_raw(std::string_view bytes) {
    return io_.write_all(bytes, Clock::now() + send_timeout_) == IoStatus::ok;
}

std::optional<HttpResponse> HttpClient::read_response(std::chrono::milliseconds timeout,
                                                      bool head_request) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto r = parse_response(io_.unread(), head_request, io_.closed());
        if (r.status == HttpParseStatus::ok) {
            io_.consume(r.consumed);
            return std::move(r.response);
        }
        if (r.status == HttpParseStatus::error) {
            protocol_error_ = true;
            io_.discard_and_close();
            return std::nullopt;
        }
        if (io_.closed()) return std::nullopt;  // truncated response
        // On EOF fill() fails but closed() is now set: parse once more with eof = true.
        if (!io_.fill(deadline) && !io_.closed()) return std::nullopt;
    }
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (io_.fill(deadline)) {
    }
    return io_.closed();
}

}  // namespace jim::client
