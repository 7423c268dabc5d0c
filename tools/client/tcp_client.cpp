#include "client/tcp_client.hpp"

#include <algorithm>
#include <span>
#include <utility>

#include "jim/codec/tcp_frame.hpp"
#include "jim/proto/command.hpp"

namespace jim::client {
namespace {

namespace tcp = jim::codec::tcp;

// The client trusts the server more than the server trusts clients: accept every command byte
// and bodies up to 64 MiB, so tests can observe whatever the server sends.
constexpr tcp::Limits kLimits{64u * 1024 * 1024, 255};

}  // namespace

boost::system::result<TcpClient> TcpClient::connect(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    const std::string& source_ip) {
    ConnectOptions options;
    options.source_ip = source_ip;
    return connect(host, port, timeout, options);
}

boost::system::result<TcpClient> TcpClient::connect(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    const ConnectOptions& options) {
    auto stream = Stream::connect(host, port, timeout, options);
    if (!stream) return stream.error();
    return TcpClient(std::move(*stream));
}

bool TcpClient::send(std::uint8_t command, std::string_view json) {
    std::string frame;
    frame.reserve(tcp::kHeaderSize + json.size());
    tcp::encode_client(command, json, frame);
    return send_raw(frame);
}

bool TcpClient::send_raw(std::string_view bytes) {
    return io_.write_all(bytes, Clock::now() + send_timeout_) == IoStatus::ok;
}

std::optional<Frame> TcpClient::take_buffered() {
    const std::string_view unread = io_.unread();
    const auto r = tcp::decode(std::span<const char>(unread.data(), unread.size()), kLimits);
    if (r.status == tcp::Status::error) {
        // Undecodable header: nothing after it can be framed, so the stream is over.
        io_.discard_and_close();
        return std::nullopt;
    }
    if (r.status == tcp::Status::need_more) return std::nullopt;
    Frame f{r.frame.command, std::string(r.frame.body)};
    io_.consume(r.consumed);
    return f;
}

std::optional<Frame> TcpClient::next_from_wire(Clock::time_point deadline) {
    for (;;) {
        if (auto f = take_buffered()) return f;
        if (io_.closed() || !io_.fill(deadline)) {
            // Bytes that arrived together with the FIN may still hold whole frames.
            return take_buffered();
        }
    }
}

std::optional<Frame> TcpClient::read(std::chrono::milliseconds timeout) {
    if (!queue_.empty()) {
        Frame f = std::move(queue_.front());
        queue_.pop_front();
        return f;
    }
    return next_from_wire(Clock::now() + timeout);
}

std::optional<Frame> TcpClient::read_until(std::uint8_t command,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const auto it = std::find_if(queue_.begin(), queue_.end(),
                                 [command](const Frame& f) { return f.command == command; });
    if (it != queue_.end()) {
        Frame f = std::move(*it);
        queue_.erase(it);
        return f;
    }
    while (auto f = next_from_wire(deadline)) {
        if (f->command == command) return f;
        queue_.push_back(std::move(*f));
    }
    return std::nullopt;
}

bool TcpClient::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (auto f = next_from_wire(deadline)) queue_.push_back(std::move(*f));
    return io_.closed();
}

std::optional<std::string> TcpClient::login(const std::string& user, const std::string& password,
                                            std::chrono::milliseconds timeout) {
    using proto::Command;
    if (!send(proto::code(Command::login_req), login_request(user, password))) return std::nullopt;
    user_ = user;
    auto reply = read_until(proto::code(Command::login_resp), timeout);
    if (!reply) return std::nullopt;
    return std::move(reply->body);
}

std::optional<std::string> TcpClient::chat(const std::string& to, const std::string& content,
                                           std::chrono::milliseconds timeout) {
    using proto::Command;
    if (!send(proto::code(Command::chat_req), chat_request(user_, to, content))) {
        return std::nullopt;
    }
    auto ack = read_until(proto::code(Command::chat_resp), timeout);
    if (!ack) return std::nullopt;
    return std::move(ack->body);
}

}  // namespace jim::client
