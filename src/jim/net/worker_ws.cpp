// WebSocket on the shared port (RFC 6455; spec §3 with the defects of §11.2 #11 fixed): the
// opening handshake with J-IM's login-by-query, frames, fragments, control frames, close codes.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "jim/api/query.hpp"
#include "jim/net/conn_extra.hpp"
#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"

namespace jim::net {
namespace http = boost::beast::http;
namespace ws = codec::ws;

namespace {

bool has_token(std::string_view header, std::string_view token) {
    std::size_t start = 0;
    while (start <= header.size()) {
        std::size_t end = header.find(',', start);
        if (end == std::string_view::npos) end = header.size();
        auto t = header.substr(start, end - start);
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (t.size() == token.size() &&
            std::equal(t.begin(), t.end(), token.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

// A valid key is the base64 of 16 bytes: 24 characters ending in "==".
bool valid_key(std::string_view key) {
    return key.size() == 24 && key.substr(22) == "==";
}

std::string bad_request(std::string_view message, std::string_view extra_header = {}) {
    std::string body = "{\"error\":\"bad_handshake\",\"message\":";
    proto::append_json_string(body, message);
    body += '}';
    std::string r = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n";
    r += extra_header;
    r += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    return r + body;
}

}  // namespace

// The opening handshake when detection saw a Sec-WebSocket-Key in the first head. Returns the
// bytes consumed: the head, plus any frames that were pipelined behind it.
std::size_t Worker::ws_upgrade(Connection& c, std::span<char> data, std::size_t head_size) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(server_.options().max_http_head));
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(data.data(), head_size), ec);
    set_protocol(c, codec::Protocol::http);  // until the upgrade succeeds, errors are HTTP
    if (ec || !parser.is_header_done()) {
        send_raw(c, SharedBytes::copy_of(bad_request("malformed request head")));
        close_after_flush(c, Errc::bad_handshake);
        return data.size();
    }
    ws_accept(c, parser.get().base());
    if (c.state != Connection::State::open) return data.size();
    return head_size + parse_ws(c, data.subspan(head_size));
}

// RFC 6455 §4.2 for a parsed upgrade request, from detection or from a kept-alive HTTP
// connection. Any path is accepted (J-IM compatible).
void Worker::ws_accept(Connection& c, const http::request_header<>& req) {
    std::string_view problem;
    std::string_view extra_header;
    if (req.method() != http::verb::get || req.version() != 11) {
        problem = "a WebSocket upgrade is a GET over HTTP/1.1";
    } else if (!has_token(req[http::field::upgrade], "websocket") ||
               !has_token(req[http::field::connection], "upgrade")) {
        problem = "Upgrade: websocket and Connection: Upgrade are required";
    } else if (req[http::field::sec_websocket_version] != "13") {
        problem = "only WebSocket version 13 is supported";
        extra_header = "Sec-WebSocket-Version: 13\r\n";
    } else if (!valid_key(req[http::field::sec_websocket_key])) {
        problem = "Sec-WebSocket-Key must be 16 random bytes in base64";
    }
    if (!problem.empty()) {
        set_protocol(c, codec::Protocol::http);
        send_raw(c, SharedBytes::copy_of(bad_request(problem, extra_header)));
        close_after_flush(c, Errc::bad_handshake);
        return;
    }
    std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        ws::accept_key(req[http::field::sec_websocket_key]) + "\r\n";
    // Echo the first subprotocol offered: browsers refuse an upgrade that ignores theirs.
    if (const auto offered = req[http::field::sec_websocket_protocol]; !offered.empty()) {
        auto first = offered.substr(0, offered.find(','));
        while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
        response += "Sec-WebSocket-Protocol: " + std::string(first) + "\r\n";
    }
    response += "\r\n";
    set_protocol(c, codec::Protocol::websocket);
    send_raw(c, SharedBytes::copy_of(response));

    // J-IM demo clients log in through the URL: ?username=&password=&token= (spec §3.1); with
    // auth.mode = "jwt" the token alone is enough (its "sub" is the user).
    const auto target = req.target();
    const auto user = api::query_param(target, "username");
    const auto token = api::query_param(target, "token");
    if (user || token) {
        boost::json::object login;
        login["cmd"] = 5;
        if (user) login["userId"] = *user;
        if (const auto password = api::query_param(target, "password"))
            login["password"] = *password;
        if (token) login["token"] = *token;
        dispatch(c, proto::code(proto::Command::login_req), boost::json::serialize(login));
    }
}

std::size_t Worker::parse_ws(Connection& c, std::span<char> data) {
    const ws::Limits limits{server_.options().max_ws_message, true};
    std::size_t off = 0;
    while (c.state == Connection::State::open && off < data.size()) {
        const auto r = ws::decode(data.subspan(off), limits);
        if (r.status == ws::Status::need_more) {
            if (r.needed > 0 && !c.pending_in.empty()) c.pending_in.reserve(r.needed);
            break;
        }
        if (r.status == ws::Status::error) {
            close_after_flush(c, r.error);
            return data.size();
        }
        const auto& h = r.header;
        char* payload = data.data() + off + h.header_size;
        const auto size = static_cast<std::size_t>(h.payload_size);
        ws::unmask(payload, size, h.mask);
        off += h.header_size + size;
        stats_.add(stats_.frames_in);
        const std::string_view bytes(payload, size);

        const auto fragment = c.extra ? c.extra->ws_fragment : ws::Opcode::continuation;
        if (ws::is_control(h.opcode)) {
            ws_control(c, h.opcode, bytes);
        } else if (h.opcode == ws::Opcode::continuation) {
            if (fragment == ws::Opcode::continuation) {
                close_after_flush(c, Errc::ws_protocol);  // nothing to continue
                break;
            }
            auto& message = c.extra->ws_message;
            if (message.size() + size > limits.max_frame) {
                close_after_flush(c, Errc::message_too_big);  // fragments count together
                break;
            }
            message.append(bytes);
            if (h.fin) {
                const std::string whole = std::move(message);
                message.clear();
                c.extra->ws_fragment = ws::Opcode::continuation;
                release_extra_if_empty(c);
                ws_message(c, fragment, whole);
            }
        } else if (fragment != ws::Opcode::continuation) {
            close_after_flush(c, Errc::ws_protocol);  // a new message inside a fragmented one
            break;
        } else if (h.fin) {
            ws_message(c, h.opcode, bytes);
        } else {
            auto& ex = extra(c);
            ex.ws_fragment = h.opcode;
            ex.ws_message.assign(bytes);
        }
    }
    return c.state == Connection::State::open ? off : data.size();
}

void Worker::ws_control(Connection& c, ws::Opcode op, std::string_view payload) {
    if (op == ws::Opcode::ping) {
        ws_send_control(c, ws::Opcode::pong, payload);
        return;
    }
    if (op != ws::Opcode::close) return;  // a pong only counts as activity
    std::uint16_t code = 1000;
    if (payload.size() == 1) {
        close_after_flush(c, Errc::ws_protocol);
        return;
    }
    if (payload.size() >= 2) {
        code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
        if (!ws::valid_close_code(code)) {
            close_after_flush(c, Errc::ws_protocol);
            return;
        }
        if (!ws::valid_utf8(payload.substr(2))) {
            close_after_flush(c, Errc::bad_utf8);
            return;
        }
    }
    // Echo the peer's code (RFC 6455 §5.5.1), then close once it is written.
    ws_send_control(c, ws::Opcode::close, ws::close_payload(code));
    c.ws_close_sent = true;
    close_after_flush(c, Errc::peer_closed);
}

// A whole text or binary message: the same JSON as a TCP body, with the command in "cmd".
void Worker::ws_message(Connection& c, ws::Opcode op, std::string_view payload) {
    if (op == ws::Opcode::text && !ws::valid_utf8(payload)) {
        close_after_flush(c, Errc::bad_utf8);
        return;
    }
    // Only "cmd" is read here; the handler parses the whole body itself.
    const std::optional<std::int64_t> cmd = proto::peek_command(payload);
    const bool valid = cmd && *cmd >= 0 && *cmd <= proto::kMaxCommand;
    if (!admit_message(c, valid ? static_cast<std::uint8_t>(*cmd) : 0)) return;
    if (!valid) {
        send(c, proto::code(proto::Command::unknown),
             SharedBytes::copy_of(
                 proto::status_reply(proto::Command::unknown, proto::status::kUnknownCmd)));
        return;
    }
    dispatch(c, static_cast<std::uint8_t>(*cmd), payload);
}

void Worker::ws_send_control(Connection& c, ws::Opcode op, std::string_view payload) {
    std::string frame;
    ws::encode_frame(op, payload.substr(0, ws::kMaxControlPayload), frame);
    send_raw(c, SharedBytes::copy_of(frame));
}

void Worker::ws_ping(Connection& c) {
    ws_send_control(c, ws::Opcode::ping, {});
    c.ws_pinged = true;
}

}  // namespace jim::net
