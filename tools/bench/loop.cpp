#include "loop.hpp"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
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

Loop::Loop(const Protocol& protocol, LoopHandler& handler, std::size_t connections)
    : protocol_(protocol), handler_(handler), conns_(connections), read_buffer_(kReadBuffer) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0)
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i].local = static_cast<std::uint32_t>(i);
    dirty_.reserve(connections);
    frames_.reserve(256);
    refresh_now();
}

Loop::~Loop() {
    for (auto& c : conns_) close(c);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
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
    c.state = Conn::State::login_sent;
    protocol_.append_hello(c.out);
    handler_.on_connected(c);
    mark_dirty(c);
}

void Loop::on_readable(Conn& c) {
    const std::size_t have = c.tail.size();
    if (read_buffer_.size() < have + kReadBuffer / 2) read_buffer_.resize(have + kReadBuffer);
    if (have != 0) std::memcpy(read_buffer_.data(), c.tail.data(), have);
    const ssize_t n = ::read(c.fd, read_buffer_.data() + have, read_buffer_.size() - have);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        fail(c, errno);
        return;
    }
    if (n == 0) {
        fail(c, 0);
        return;
    }
    refresh_now();
    bytes_in_ += static_cast<std::uint64_t>(n);
    const std::size_t total = have + static_cast<std::size_t>(n);
    frames_.clear();
    const std::ptrdiff_t consumed =
        protocol_.decode(std::string_view(read_buffer_.data(), total), frames_);
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
        if (c.fd < 0 || c.state == Conn::State::connecting) continue;
        if (c.out_off == c.out.size()) {
            set_write_interest(c, false);
            continue;
        }
        handler_.before_write(c);
        iovec iov{c.out.data() + c.out_off, c.out.size() - c.out_off};
        const ssize_t n = ::writev(c.fd, &iov, 1);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                set_write_interest(c, true);
            } else {
                fail(c, errno);
            }
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
