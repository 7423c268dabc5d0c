#include "client/stream.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "client/stream_detail.hpp"

namespace jim::client {
namespace {

constexpr std::size_t kRecvChunk = 64 * 1024;

boost::system::error_code last_error() {
    return {errno, boost::system::system_category()};
}

// Milliseconds left until deadline, clamped to [0, INT_MAX] for poll().
int remaining_ms(SteadyClock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return 0;
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 0x7FFFFFFF));
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
                                                SteadyClock::time_point deadline) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return {};
    if (errno != EINPROGRESS && errno != EINTR) return last_error();
    const int revents = detail::wait_for(fd, POLLOUT, deadline);
    if (revents < 0) return last_error();
    if (revents == 0) return boost::system::errc::make_error_code(boost::system::errc::timed_out);
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return last_error();
    if (err != 0) return {err, boost::system::system_category()};
    return {};
}

IoStatus plain_write_all(int fd, std::string_view bytes, SteadyClock::time_point deadline) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            const int revents = detail::wait_for(fd, POLLOUT, deadline);
            if (revents > 0 && (revents & POLLOUT) != 0) continue;
            // POLLERR/POLLHUP without POLLOUT, or poll itself failed.
            return revents == 0 ? IoStatus::timeout : IoStatus::closed;
        }
        return IoStatus::closed;  // EPIPE, ECONNRESET and friends
    }
    return IoStatus::ok;
}

ReadResult plain_read_some(int fd, std::span<char> out, SteadyClock::time_point deadline) {
    for (;;) {
        const ssize_t n = ::recv(fd, out.data(), out.size(), 0);
        if (n > 0) return {IoStatus::ok, static_cast<std::size_t>(n)};
        if (n == 0) return {IoStatus::closed, 0};
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return {IoStatus::closed, 0};
        const int revents = detail::wait_for(fd, POLLIN, deadline);
        if (revents == 0) return {IoStatus::timeout, 0};
        if (revents < 0) return {IoStatus::closed, 0};
        // Readable, hung up or in error: the next recv() tells which.
    }
}

}  // namespace

namespace detail {

int wait_for(int fd, short events, SteadyClock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return p.revents;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

}  // namespace detail

boost::system::result<Stream> Stream::connect(const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout,
                                              const ConnectOptions& options) {
    const auto deadline = SteadyClock::now() + timeout;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (!resolve_ipv4(host, addr.sin_addr)) {
        return boost::system::errc::make_error_code(boost::system::errc::host_unreachable);
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return last_error();
    Stream stream(fd, nullptr);  // closes fd on every early return below
    if (!options.source_ip.empty() && !bind_source(fd, options.source_ip)) return last_error();
    if (auto ec = connect_with_deadline(fd, addr, deadline)) return ec;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (options.tls) {
        if (auto ec = detail::tls_handshake(fd, host, options, deadline, stream.ssl_)) return ec;
    }
    return stream;
}

Stream::Stream(Stream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      tls_failed_(std::exchange(other.tls_failed_, false)) {}

Stream& Stream::operator=(Stream&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        ssl_ = std::exchange(other.ssl_, nullptr);
        tls_failed_ = std::exchange(other.tls_failed_, false);
    }
    return *this;
}

Stream::~Stream() {
    close();
}

void Stream::close() {
    if (ssl_ != nullptr) detail::tls_free(std::exchange(ssl_, nullptr), tls_failed_);
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

IoStatus Stream::write_all(std::string_view bytes, SteadyClock::time_point deadline) {
    if (fd_ < 0) return IoStatus::closed;
    if (ssl_ != nullptr) return detail::tls_write_all(ssl_, fd_, bytes, deadline, tls_failed_);
    return plain_write_all(fd_, bytes, deadline);
}

ReadResult Stream::read_some(std::span<char> out, SteadyClock::time_point deadline) {
    if (fd_ < 0 || out.empty()) return {IoStatus::closed, 0};
    if (ssl_ != nullptr) return detail::tls_read_some(ssl_, fd_, out, deadline, tls_failed_);
    return plain_read_some(fd_, out, deadline);
}

std::string Stream::tls_version() const {
    return ssl_ != nullptr ? detail::tls_version(ssl_) : std::string();
}

BufferedStream::BufferedStream(BufferedStream&& other) noexcept
    : stream_(std::move(other.stream_)),
      rx_(std::move(other.rx_)),
      pos_(std::exchange(other.pos_, 0)),
      closed_(std::exchange(other.closed_, true)) {}

BufferedStream& BufferedStream::operator=(BufferedStream&& other) noexcept {
    if (this != &other) {
        stream_ = std::move(other.stream_);
        rx_ = std::move(other.rx_);
        pos_ = std::exchange(other.pos_, 0);
        closed_ = std::exchange(other.closed_, true);
    }
    return *this;
}

bool BufferedStream::fill(SteadyClock::time_point deadline) {
    if (closed_ || !stream_.is_open()) return false;
    // Drop consumed bytes before growing, so the buffer holds one unfinished message at most
    // plus what arrived with it.
    if (pos_ > 0) {
        rx_.erase(0, pos_);
        pos_ = 0;
    }
    const std::size_t old = rx_.size();
    rx_.resize(old + kRecvChunk);
    const auto r = stream_.read_some(std::span<char>(rx_).subspan(old), deadline);
    rx_.resize(old + r.size);
    if (r.status == IoStatus::closed) closed_ = true;
    return r.status == IoStatus::ok;
}

void BufferedStream::consume(std::size_t n) {
    pos_ = std::min(pos_ + n, rx_.size());
    if (pos_ == rx_.size()) {
        rx_.clear();
        pos_ = 0;
    }
}

void BufferedStream::discard_and_close() {
    closed_ = true;
    rx_.clear();
    pos_ = 0;
}

IoStatus BufferedStream::write_all(std::string_view bytes, SteadyClock::time_point deadline) {
    if (!stream_.is_open()) return IoStatus::closed;
    const IoStatus s = stream_.write_all(bytes, deadline);
    if (s == IoStatus::closed) closed_ = true;
    return s;
}

}  // namespace jim::client
