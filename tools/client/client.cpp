#include "client/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <span>
#include <utility>

#include "jim/codec/tcp_frame.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::client {
namespace {

namespace tcp = jim::codec::tcp;
using Clock = std::chrono::steady_clock;

// The client trusts the server more than the server trusts clients: accept every command byte
// and bodies up to 64 MiB, so tests can observe whatever the server sends.
constexpr tcp::Limits kLimits{64u * 1024 * 1024, 255};
constexpr std::size_t kRecvChunk = 64 * 1024;

boost::system::error_code last_error() {
    return {errno, boost::system::system_category()};
}

// Milliseconds left until deadline, clamped to [0, INT_MAX] for poll().
int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 0x7FFFFFFF));
}

// Waits for `events` on fd until deadline. Returns revents, 0 on timeout, -1 on poll error.
int wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return p.revents;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

// Fills `out` with the IPv4 address of host; "localhost" maps to 127.0.0.1 without a lookup.
bool resolve_ipv4(const std::string& host, in_addr& out) {
    if (host == "localhost") return ::inet_pton(AF_INET, "127.0.0.1", &out) == 1;
    if (::inet_pton(AF_INET, host.c_str(), &out) == 1) return true;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0 || list == nullptr) return false;
    out = reinterpret_cast<const sockaddr_in*>(list->ai_addr)->sin_addr;
    ::freeaddrinfo(list);
    return true;
}

// Binds the local end to source_ip with an ephemeral port chosen at connect() time, so many
// clients on one source address are limited by the 4-tuple, not by the local port range.
bool bind_source(int fd, const std::string& source_ip) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr) != 1) {
        errno = EINVAL;
        return false;
    }
#ifdef IP_BIND_ADDRESS_NO_PORT
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    return ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
}

// Non-blocking connect completed with poll; the socket stays non-blocking for its whole life.
boost::system::error_code connect_with_deadline(int fd, const sockaddr_in& addr,
                                                Clock::time_point deadline) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return {};
    if (errno != EINPROGRESS && errno != EINTR) return last_error();
    const int revents = wait_for(fd, POLLOUT, deadline);
    if (revents < 0) return last_error();
    if (revents == 0) return boost::system::errc::make_error_code(boost::system::errc::timed_out);
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return last_error();
    if (err != 0) return {err, boost::system::system_category()};
    return {};
}

}  // namespace

boost::system::result<TcpClient> TcpClient::connect(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    const std::string& source_ip) {
    const auto deadline = Clock::now() + timeout;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (!resolve_ipv4(host, addr.sin_addr)) {
        return boost::system::errc::make_error_code(boost::system::errc::host_unreachable);
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return last_error();
    TcpClient client(fd);  // closes fd on every early return below
    if (!source_ip.empty() && !bind_source(fd, source_ip)) return last_error();
    if (auto ec = connect_with_deadline(fd, addr, deadline)) return ec;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return client;
}

TcpClient::TcpClient(TcpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      peer_closed_(other.peer_closed_),
      rx_(std::move(other.rx_)),
      rx_pos_(std::exchange(other.rx_pos_, 0)),
      queue_(std::move(other.queue_)),
      user_(std::move(other.user_)),
      send_timeout_(other.send_timeout_) {}

TcpClient& TcpClient::operator=(TcpClient&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        peer_closed_ = other.peer_closed_;
        rx_ = std::move(other.rx_);
        rx_pos_ = std::exchange(other.rx_pos_, 0);
        queue_ = std::move(other.queue_);
        user_ = std::move(other.user_);
        send_timeout_ = other.send_timeout_;
    }
    return *this;
}

TcpClient::~TcpClient() {
    close();
}

void TcpClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool TcpClient::send(std::uint8_t command, std::string_view json) {
    std::string frame;
    frame.reserve(tcp::kHeaderSize + json.size());
    tcp::encode_client(command, json, frame);
    return send_raw(frame);
}

bool TcpClient::send_raw(std::string_view bytes) {
    if (fd_ < 0) return false;
    const auto deadline = Clock::now() + send_timeout_;
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            const int revents = wait_for(fd_, POLLOUT, deadline);
            if (revents > 0 && (revents & POLLOUT) != 0) continue;
            if (revents > 0) peer_closed_ = true;  // POLLERR/POLLHUP without POLLOUT
            return false;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) peer_closed_ = true;
        return false;
    }
    return true;
}

std::optional<Frame> TcpClient::take_buffered() {
    if (peer_closed_ && rx_pos_ == rx_.size()) return std::nullopt;
    const auto unread = std::span<const char>(rx_).subspan(rx_pos_);
    const auto r = tcp::decode(unread, kLimits);
    if (r.status == tcp::Status::error) {
        // Undecodable header: nothing after it can be framed, so the stream is over.
        peer_closed_ = true;
        rx_.clear();
        rx_pos_ = 0;
        return std::nullopt;
    }
    if (r.status == tcp::Status::need_more) return std::nullopt;
    Frame f{r.frame.command, std::string(r.frame.body)};
    rx_pos_ += r.consumed;
    if (rx_pos_ == rx_.size()) {
        rx_.clear();
        rx_pos_ = 0;
    }
    return f;
}

bool TcpClient::fill(Clock::time_point deadline) {
    if (fd_ < 0 || peer_closed_) return false;
    // Drop consumed bytes before growing, so the buffer holds one unfinished frame at most
    // plus what arrived with it.
    if (rx_pos_ > 0) {
        rx_.erase(0, rx_pos_);
        rx_pos_ = 0;
    }
    for (;;) {
        const std::size_t old = rx_.size();
        rx_.resize(old + kRecvChunk);
        const ssize_t n = ::recv(fd_, rx_.data() + old, kRecvChunk, 0);
        rx_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
        if (n > 0) return true;
        if (n == 0) {
            peer_closed_ = true;
            return false;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            peer_closed_ = true;  // ECONNRESET and friends
            return false;
        }
        const int revents = wait_for(fd_, POLLIN, deadline);
        if (revents == 0) return false;  // timeout
        if (revents < 0) {
            peer_closed_ = true;
            return false;
        }
        // Readable, hung up or in error: the next recv() tells which.
    }
}

std::optional<Frame> TcpClient::next_from_wire(Clock::time_point deadline) {
    for (;;) {
        if (auto f = take_buffered()) return f;
        if (peer_closed_ || !fill(deadline)) {
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
    return peer_closed_;
}

std::optional<std::string> TcpClient::login(const std::string& user, const std::string& password,
                                            std::chrono::milliseconds timeout) {
    using proto::Command;
    const boost::json::object req{
        {"cmd", proto::code(Command::login_req)}, {"userId", user}, {"password", password}};
    if (!send(proto::code(Command::login_req), boost::json::serialize(req))) return std::nullopt;
    user_ = user;
    auto reply = read_until(proto::code(Command::login_resp), timeout);
    if (!reply) return std::nullopt;
    return std::move(reply->body);
}

std::optional<std::string> TcpClient::chat(const std::string& to, const std::string& content,
                                           std::chrono::milliseconds timeout) {
    using proto::Command;
    boost::json::object req{{"cmd", proto::code(Command::chat_req)}};
    if (!user_.empty()) req["from"] = user_;
    req["to"] = to;
    req["chatType"] = 2;
    req["msgType"] = 0;
    req["content"] = content;
    if (!send(proto::code(Command::chat_req), boost::json::serialize(req))) return std::nullopt;
    auto ack = read_until(proto::code(Command::chat_resp), timeout);
    if (!ack) return std::nullopt;
    return std::move(ack->body);
}

std::optional<boost::json::object> parse_object(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

std::optional<std::int64_t> int_member(std::string_view json, std::string_view key) {
    const auto o = parse_object(json);
    if (!o) return std::nullopt;
    return proto::get_int(*o, key);
}

std::optional<std::string> string_member(std::string_view json, std::string_view key) {
    const auto o = parse_object(json);
    if (!o) return std::nullopt;
    const auto s = proto::get_string(*o, key);
    if (!s) return std::nullopt;
    return std::string(*s);
}

}  // namespace jim::client
