#include "client/ws_client.hpp"

#include <algorithm>
#include <utility>

#include "jim/proto/command.hpp"

namespace jim::client {
namespace {

// The client trusts the server more than the server trusts clients: messages up to 64 MiB.
constexpr std::uint64_t kMaxMessage = 64u * 1024 * 1024;
constexpr std::size_t kMaxControlPayload = 125;  // RFC 6455 §5.5

class HandshakeCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "websocket handshake"; }
    std::string message(int ev) const override {
        switch (static_cast<WsHandshakeError>(ev)) {
            case WsHandshakeError::bad_response:
                return "malformed HTTP response head";
            case WsHandshakeError::not_switching:
                return "status is not 101 Switching Protocols";
            case WsHandshakeError::bad_upgrade:
                return "Upgrade/Connection headers missing";
            case WsHandshakeError::bad_accept:
                return "Sec-WebSocket-Accept does not match";
            case WsHandshakeError::bad_subprotocol:
                return "subprotocol was not offered";
            case WsHandshakeError::bad_extensions:
                return "extensions were not offered";
            case WsHandshakeError::closed:
                return "connection closed during the handshake";
        }
        return "unknown websocket handshake error";
    }
};

const HandshakeCategory kHandshakeCategory;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out.append(", ");
        out.append(item);
    }
    return out;
}

// The checks of RFC 6455 §4.2.2 point 5 / §4.1 on a received head.
std::optional<WsHandshakeError> check_head(const ResponseHead& head, const std::string& key,
                                           const WsOptions& options, std::string& subprotocol) {
    if (head.status != 101) return WsHandshakeError::not_switching;
    const auto upgrade = head.headers.get("Upgrade");
    const auto connection = head.headers.get("Connection");
    if (!upgrade || !iequals(*upgrade, "websocket") || !connection ||
        !has_token(*connection, "upgrade")) {
        return WsHandshakeError::bad_upgrade;
    }
    if (head.headers.get("Sec-WebSocket-Accept") != ws::accept_for(key)) {
        return WsHandshakeError::bad_accept;
    }
    if (auto chosen = head.headers.get("Sec-WebSocket-Protocol")) {
        if (std::find(options.subprotocols.begin(), options.subprotocols.end(), *chosen) ==
            options.subprotocols.end()) {
            return WsHandshakeError::bad_subprotocol;
        }
        subprotocol = std::move(*chosen);
    }
    if (head.headers.contains("Sec-WebSocket-Extensions") &&
        !options.headers.contains("Sec-WebSocket-Extensions")) {
        return WsHandshakeError::bad_extensions;
    }
    return std::nullopt;
}

}  // namespace

boost::system::error_code make_error_code(WsHandshakeError e) {
    return {static_cast<int>(e), kHandshakeCategory};
}

boost::system::result<WsClient> WsClient::connect(const std::string& host, std::uint16_t port,
                                                  const std::string& path_and_query,
                                                  std::chrono::milliseconds timeout,
                                                  const WsOptions& options) {
    const auto deadline = Clock::now() + timeout;
    auto stream = Stream::connect(host, port, timeout, options.transport);
    if (!stream) return stream.error();
    WsClient client(std::move(*stream));
    if (auto ec = client.handshake(host, port, path_and_query, options, deadline)) return ec;
    return client;
}

boost::system::error_code WsClient::handshake(const std::string& host, std::uint16_t port,
                                              const std::string& target, const WsOptions& options,
                                              Clock::time_point deadline) {
    using boost::system::errc::make_error_code;
    using boost::system::errc::timed_out;
    const auto given_key = options.headers.get("Sec-WebSocket-Key");
    const std::string key = given_key && !given_key->empty() ? *given_key : ws::random_key();
    HttpHeaders defaults{{"Host", host + ":" + std::to_string(port)},
                         {"Upgrade", "websocket"},
                         {"Connection", "Upgrade"},
                         {"Sec-WebSocket-Key", key},
                         {"Sec-WebSocket-Version", "13"}};
    if (!options.subprotocols.empty()) {
        defaults.add("Sec-WebSocket-Protocol", join(options.subprotocols));
    }
    const std::string request = build_request_head("GET", target, defaults, options.headers);
    const IoStatus sent = io_.write_all(request, deadline);
    if (sent == IoStatus::timeout) return make_error_code(timed_out);
    if (sent == IoStatus::closed) return WsHandshakeError::closed;
    for (;;) {
        auto parsed = parse_response_head(io_.unread());
        if (parsed.status == HeadStatus::error) return WsHandshakeError::bad_response;
        if (parsed.status == HeadStatus::ok) {
            io_.consume(parsed.consumed);  // frames may follow the head in the same read
            head_ = std::move(parsed.head);
            break;
        }
        if (!io_.fill(deadline)) {
            return io_.closed() ? make_error_code(WsHandshakeError::closed)
                                : make_error_code(timed_out);
        }
    }
    if (const auto verdict = check_head(head_, key, options, subprotocol_)) return *verdict;
    return {};
}

bool WsClient::send_text(std::string_view text) {
    return send_frame_raw(true, ws::kText, text);
}

bool WsClient::send_binary(std::string_view bytes) {
    return send_frame_raw(true, ws::kBinary, bytes);
}

bool WsClient::send_ping(std::string_view payload) {
    return send_frame_raw(true, ws::kPing, payload);
}

bool WsClient::send_pong(std::string_view payload) {
    return send_frame_raw(true, ws::kPong, payload);
}

bool WsClient::send_close(std::optional<std::uint16_t> code, std::string_view reason) {
    std::string payload;
    if (code) {
        payload.push_back(static_cast<char>(*code >> 8));
        payload.push_back(static_cast<char>(*code & 0xFF));
        payload.append(reason);
    }
    close_sent_ = true;
    return send_frame_raw(true, ws::kClose, payload);
}

bool WsClient::send_frame_raw(bool fin, std::uint8_t opcode, std::string_view payload, bool masked,
                              std::uint8_t rsv) {
    std::string frame;
    frame.reserve(payload.size() + 14);
    ws::encode(fin, opcode, payload, masked ? std::optional(ws::random_mask()) : std::nullopt, rsv,
               frame);
    return send_raw(frame);
}

bool WsClient::send_raw(std::string_view bytes) {
    return io_.write_all(bytes, Clock::now() + send_timeout_) == IoStatus::ok;
}

void WsClient::fail_protocol() {
    protocol_error_ = true;
    partial_.reset();
    io_.discard_and_close();
}

std::optional<ws::Frame> WsClient::take_frame() {
    auto r = ws::decode(io_.unread(), kMaxMessage);
    if (r.status == ws::Status::error) {
        fail_protocol();
        return std::nullopt;
    }
    if (r.status == ws::Status::need_more) return std::nullopt;
    io_.consume(r.consumed);
    return std::move(r.frame);
}

std::optional<WsMessage> WsClient::on_frame(ws::Frame frame) {
    if (ws::is_control(frame.opcode)) {
        // §5.5: control frames are never fragmented and carry at most 125 bytes.
        if (!frame.fin || frame.payload.size() > kMaxControlPayload ||
            (frame.opcode == ws::kClose && frame.payload.size() == 1)) {
            fail_protocol();
            return std::nullopt;
        }
        WsMessage m{frame.opcode, std::move(frame.payload), std::nullopt, frame.masked, frame.rsv};
        if (m.opcode == ws::kClose && m.payload.size() >= 2) {
            const auto hi = static_cast<std::uint8_t>(m.payload[0]);
            const auto lo = static_cast<std::uint8_t>(m.payload[1]);
            m.close_code = static_cast<std::uint16_t>((hi << 8) | lo);
            m.payload.erase(0, 2);
        }
        if (m.opcode == ws::kClose) {
            close_received_ = true;
            if (auto_reply_ && !close_sent_) send_close(m.close_code);
        }
        if (m.opcode == ws::kPing && auto_reply_) send_pong(m.payload);
        return m;
    }
    if (frame.opcode == ws::kContinuation) {
        if (!partial_ || partial_->payload.size() + frame.payload.size() > kMaxMessage) {
            fail_protocol();
            return std::nullopt;
        }
        partial_->payload.append(frame.payload);
        partial_->masked = partial_->masked || frame.masked;
        ++partial_->frames;
    } else {
        if (partial_) {  // §5.4: a new data message inside a fragmented one
            fail_protocol();
            return std::nullopt;
        }
        partial_ = WsMessage{frame.opcode, std::move(frame.payload), std::nullopt, frame.masked,
                             frame.rsv};
    }
    if (!frame.fin) return std::nullopt;
    return std::exchange(partial_, std::nullopt);
}

std::optional<WsMessage> WsClient::next_from_wire(Clock::time_point deadline) {
    for (;;) {
        while (auto frame = take_frame()) {
            if (auto m = on_frame(std::move(*frame))) return m;
        }
        if (!io_.fill(deadline)) return std::nullopt;  // timeout, EOF or framing error
    }
}

std::optional<WsMessage> WsClient::read_message(std::chrono::milliseconds timeout) {
    if (!queue_.empty()) {
        WsMessage m = std::move(queue_.front());
        queue_.pop_front();
        return m;
    }
    return next_from_wire(Clock::now() + timeout);
}

std::optional<WsMessage> WsClient::read_until(const std::function<bool(const WsMessage&)>& pred,
                                              std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const auto it = std::find_if(queue_.begin(), queue_.end(), pred);
    if (it != queue_.end()) {
        WsMessage m = std::move(*it);
        queue_.erase(it);
        return m;
    }
    while (auto m = next_from_wire(deadline)) {
        if (pred(*m)) return m;
        queue_.push_back(std::move(*m));
    }
    return std::nullopt;
}

std::optional<std::string> WsClient::read_text_until(
    const std::function<bool(std::string_view)>& pred, std::chrono::milliseconds timeout) {
    auto m = read_until(
        [&pred](const WsMessage& msg) { return msg.is_data() && pred(msg.payload); }, timeout);
    if (!m) return std::nullopt;
    return std::move(m->payload);
}

std::optional<std::string> WsClient::read_text_until(std::int64_t command,
                                                     std::chrono::milliseconds timeout) {
    return read_text_until(
        [command](std::string_view json) { return int_member(json, "command") == command; },
        timeout);
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (auto m = next_from_wire(deadline)) queue_.push_back(std::move(*m));
    return io_.closed();
}

std::optional<std::string> WsClient::login(const std::string& user, const std::string& password,
                                           std::chrono::milliseconds timeout) {
    if (!send_text(login_request(user, password))) return std::nullopt;
    user_ = user;
    return read_text_until(proto::code(proto::Command::login_resp), timeout);
}

std::optional<std::string> WsClient::chat(const std::string& to, const std::string& content,
                                          std::chrono::milliseconds timeout) {
    if (!send_text(chat_request(user_, to, content))) return std::nullopt;
    return read_text_until(proto::code(proto::Command::chat_resp), timeout);
}

}  // namespace jim::client
