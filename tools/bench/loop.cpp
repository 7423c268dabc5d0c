#include "loop.hpp"

#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>

#include "stats.hpp"

namespace jim::bench {
namespace {

constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr int kMaxEvents = 1024;

std::uint64_t tag(const Conn& c) noexcept {
    return (static_cast<std::uint64_t>(c.generation) << 32) | c.local;
}

}  // namespace

Loop::Loop(const Protocol& protocol, LoopHandler& handler, std::size_t connections, bool tls)
    : protocol_(protocol), handler_(handler), conns_(connections), read_buffer_(kReadBuffer) {
    if (tls) {
        ssl_ctx_ = ::SSL_CTX_new(::TLS_client_method());
        if (ssl_ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
        ::SSL_CTX_set_min_proto_version(ssl_ctx_, TLS1_2_VERSION);
        ::SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_NONE, nullptr);  // a bench, not a client
        ::SSL_CTX_set_session_cache_mode(ssl_ctx_, SSL_SESS_CACHE_OFF);
        // Partial writes keep Conn::out's offset logic; released buffers keep 19k idle
        // connections small on this side.
        ::SSL_CTX_set_mode(ssl_ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                         SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                         SSL_MODE_RELEASE_BUFFERS);
    }
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        if (ssl_ctx_ != nullptr) ::SSL_CTX_free(ssl_ctx_);
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i].local = static_cast<std::uint32_t>(i);
    dirty_.reserve(connections);
    frames_.reserve(256);
    refresh_now();
}

Loop::~Loop() {
    for (auto& c : conns_) close(c);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (ssl_ctx_ != nullptr) ::SSL_CTX_free(ssl_ctx_);
}

std::int64_t Loop::refresh_now() noexcept {
    now_ = mono_ns();
    return now_;
}

int Loop::connect(Conn& c, const sockaddr_in& dst, const sockaddr_in* src) {
    close(c);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src != nullptr) {
        // Let connect() pick the port per destination, so K sources give K x 28k ports.
        ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(src), sizeof *src) != 0) {
            const int err = errno;
            ::close(fd);
            return err;
        }
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) != 0 &&
        errno != EINPROGRESS) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    c.fd = fd;
    ++c.generation;
    c.state = Conn::State::connecting;
    c.want_write = true;
    c.started_ns = now_;
    c.out.clear();
    c.out_off = 0;
    c.tail.clear();
    c.unstamped = 0;
    c.stream = 0;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = tag(c);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        const int err = errno;
        close(c);
        return err;
    }
    return 0;
}

void Loop::close(Conn& c) {
    if (c.fd < 0) return;
    if (c.ssl != nullptr) {
        ::SSL_free(c.ssl);  // no close_notify: the bench just drops the connection
        c.ssl = nullptr;
    }
    ::close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
    c.want_write = false;
    c.out.clear();
    c.out_off = 0;
    c.tail.clear();
    c.unstamped = 0;
}

void Loop::fail(Conn& c, int err) {
    close(c);
    handler_.on_closed(c, err);
}

void Loop::set_write_interest(Conn& c, bool on) {
    if (c.want_write == on) return;
    epoll_event ev{};
    ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.u64 = tag(c);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.want_write = on;
}

void Loop::poll(int timeout_ms) {
    epoll_event events[kMaxEvents];
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    refresh_now();
    for (int i = 0; i < n; ++i) {
        const auto index = static_cast<std::uint32_t>(events[i].data.u64);
        const auto generation = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
        if (index >= conns_.size()) continue;
        Conn& c = conns_[index];
        if (c.fd < 0 || c.generation != generation) continue;  // closed earlier in this pass
        const std::uint32_t ev = events[i].events;
        if (c.state == Conn::State::connecting) {
            if ((ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) on_connect_ready(c);
            continue;
        }
        if (c.state == Conn::State::handshaking) {
            on_handshake(c);
            continue;
        }
        if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) on_readable(c);
        if ((ev & EPOLLOUT) != 0 && c.fd >= 0 && c.generation == generation) mark_dirty(c);
    }
    flush();
}

void Loop::on_connect_ready(Conn& c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
        fail(c, err);
        return;
    }
    if (ssl_ctx_ == nullptr) {
        begin_login(c);
        return;
    }
    c.ssl = ::SSL_new(ssl_ctx_);
    if (c.ssl == nullptr || ::SSL_set_fd(c.ssl, c.fd) != 1) {
        fail(c, ENOMEM);
        return;
    }
    ::SSL_set_connect_state(c.ssl);
    c.state = Conn::State::handshaking;
    on_handshake(c);
}

void Loop::on_handshake(Conn& c) {
    ::ERR_clear_error();
    errno = 0;
    const int r = ::SSL_connect(c.ssl);
    if (r == 1) {
        set_write_interest(c, false);
        begin_login(c);
        return;
    }
    switch (::SSL_get_error(c.ssl, r)) {
        case SSL_ERROR_WANT_READ:
            set_write_interest(c, false);
            return;
        case SSL_ERROR_WANT_WRITE:
            set_write_interest(c, true);
            return;
        default:
            fail(c, errno != 0 ? errno : EPROTO);
            return;
    }
}

void Loop::begin_login(Conn& c) {
    c.state = Conn::State::login_sent;
    handler_.on_connected(c);
    mark_dirty(c);
}

std::ptrdiff_t Loop::read_some(Conn& c, std::size_t have) {
    char* at = read_buffer_.data() + have;
    const std::size_t room = read_buffer_.size() - have;
    if (c.ssl == nullptr) {
        const ssize_t n = ::read(c.fd, at, room);
        if (n > 0) return n;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        fail(c, n == 0 ? 0 : errno);
        return -1;
    }
    ::ERR_clear_error();
    errno = 0;
    const int n = ::SSL_read(c.ssl, at, static_cast<int>(std::min<std::size_t>(room, INT_MAX)));
    if (n > 0) return n;
    switch (::SSL_get_error(c.ssl, n)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return 0;
        case SSL_ERROR_ZERO_RETURN:
            fail(c, 0);
            return -1;
        case SSL_ERROR_SYSCALL:
            fail(c, errno);  // errno 0: the peer closed without close_notify
            return -1;
        default:
            fail(c, EPROTO);
            return -1;
    }
}

std::ptrdiff_t Loop::write_some(Conn& c, const char* data, std::size_t size) {
    if (c.ssl == nullptr) {
        iovec iov{const_cast<char*>(data), size};
        const ssize_t n = ::writev(c.fd, &iov, 1);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
        fail(c, errno);
        return -1;
    }
    ::ERR_clear_error();
    errno = 0;
    const int n = ::SSL_write(c.ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    if (n > 0) return n;
    switch (::SSL_get_error(c.ssl, n)) {
        case SSL_ERROR_WANT_READ:  // a handshake message first; the write is retried on EPOLLOUT
        case SSL_ERROR_WANT_WRITE:
            return 0;
        default:
            fail(c, errno != 0 ? errno : EPROTO);
            return -1;
    }
}

void Loop::on_readable(Conn& c) {
    const std::size_t have = c.tail.size();
    if (read_buffer_.size() < have + kReadBuffer / 2) read_buffer_.resize(have + kReadBuffer);
    if (have != 0) std::memcpy(read_buffer_.data(), c.tail.data(), have);
    std::size_t total = have;
    for (;;) {
        const std::ptrdiff_t n = read_some(c, total);
        if (n < 0) return;
        if (n == 0) break;
        total += static_cast<std::size_t>(n);
        // OpenSSL may hold decrypted bytes the socket no longer signals: drain them now.
        if (c.ssl == nullptr || ::SSL_pending(c.ssl) <= 0) break;
        if (read_buffer_.size() - total < kReadBuffer / 2) read_buffer_.resize(total + kReadBuffer);
    }
    if (total == have) return;
    refresh_now();
    bytes_in_ += total - have;
    frames_.clear();
    const std::ptrdiff_t consumed =
        protocol_.decode(std::string_view(read_buffer_.data(), total), c.stream, frames_);
    if (consumed < 0) {
        fail(c, -1);
        return;
    }
    const std::uint32_t generation = c.generation;
    for (const auto& f : frames_) {
        handler_.on_frame(c, f);
        if (c.fd < 0 || c.generation != generation) return;  // the handler closed it
    }
    const auto used = static_cast<std::size_t>(consumed);
    if (used == total) {
        c.tail.clear();
    } else {
        c.tail.assign(read_buffer_.data() + used, total - used);
    }
}

void Loop::flush() {
    for (std::size_t k = 0; k < dirty_.size(); ++k) {
        Conn& c = conns_[dirty_[k]];
        c.dirty = false;
        if (c.fd < 0 || c.state == Conn::State::connecting || c.state == Conn::State::handshaking) {
            continue;
        }
        if (c.out_off == c.out.size()) {
            set_write_interest(c, false);
            continue;
        }
        handler_.before_write(c);
        const std::ptrdiff_t n = write_some(c, c.out.data() + c.out_off, c.out.size() - c.out_off);
        if (n < 0) continue;  // failed
        if (n == 0) {
            set_write_interest(c, true);
            continue;
        }
        bytes_out_ += static_cast<std::uint64_t>(n);
        c.out_off += static_cast<std::size_t>(n);
        if (c.out_off == c.out.size()) {
            c.out.clear();
            c.out_off = 0;
            set_write_interest(c, false);
        } else {
            set_write_interest(c, true);
        }
    }
    dirty_.clear();
}

}  // namespace jim::bench
