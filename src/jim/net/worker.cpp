#include "jim/net/worker.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include <openssl/ssl.h>

#include "jim/net/conn_extra.hpp"
#include "jim/net/server.hpp"
#include "jim/net/worker_internal.hpp"

namespace jim::net {
namespace {

namespace asio = boost::asio;
using namespace detail;

thread_local Worker* tl_current = nullptr;

// Writes the protocol header for one queued entry; returns its length.
std::size_t frame_header(codec::Protocol p, const OutEntry& e, char* out) noexcept {
    if (e.kind == OutEntry::Kind::raw) return 0;
    if (p == codec::Protocol::tcp) {
        codec::tcp::encode_header(e.command, static_cast<std::uint32_t>(e.body.size()), out);
        return codec::tcp::kHeaderSize;
    }
    if (p == codec::Protocol::websocket) {
        return codec::ws::encode_header(codec::ws::Opcode::text, e.body.size(), true, out);
    }
    return 0;
}

}  // namespace

Connection::Connection(Socket s) : socket(std::move(s)) {}
Connection::~Connection() = default;

// ---------------------------------------------------------------------------------------------
// The Peer a handler sees: a view of one connection on this worker, built on the stack for one
// command.
class Worker::ConnPeer final : public service::Peer {
  public:
    ConnPeer(Worker& w, Connection& c) : w_(w), c_(c) {}
    router::SessionRef ref() const noexcept override { return w_.ref_of(c_); }
    std::string_view user() const noexcept override { return c_.user; }
    std::string_view terminal() const noexcept override {
        return codec::protocol_name(c_.protocol);
    }
    void send(std::uint8_t command, SharedBytes body) override {
        w_.send(c_, command, std::move(body));
    }
    std::size_t bind_user(const proto::User& user) override {
        return w_.bind_user(c_, user.user_id);
    }
    void close(Errc reason) override { w_.close_after_flush(c_, reason); }

  private:
    Worker& w_;
    Connection& c_;
};

void Worker::dispatch(Connection& c, std::uint8_t command, std::string_view body) {
    ConnPeer peer(*this, c);
    server_.service().handle(peer, ctx_, command, body);
}

// ---------------------------------------------------------------------------------------------
// Life cycle

Worker::Worker(Server& server, std::uint16_t index, std::uint64_t id_seed)
    : server_(server),
      index_(index),
      guard_(io_.get_executor()),
      read_buffer_(kReadBufferSize),
      outgoing_(server.worker_count()),
      tick_timer_(io_),
      drain_timer_(io_),
      completions_(io_),
      ctx_{proto::MessageIdGenerator(index, id_seed),
           [this](std::function<void()> fn) { completions_.post(std::move(fn)); },
           [this](router::SessionRef ref, const std::function<void(service::Peer&)>& fn) {
               Connection* c = find(ref);
               if (c == nullptr || c->state != Connection::State::open) return;
               ConnPeer peer(*this, *c);
               fn(peer);
           }} {
    const auto& o = server.options();
    login_ticks_ = ms_to_ticks(o.login_timeout_ms);
    pending_cap_ = std::max({o.tcp.max_body + codec::tcp::kHeaderSizeWithSynSeq,
                             o.max_ws_message + codec::ws::kMaxHeaderSize, o.max_http_body}) +
                   o.max_http_head;
    if (o.max_messages_per_s != 0) {
        rate_interval_ = std::max<std::uint32_t>(16000 / o.max_messages_per_s, 1);
        rate_tolerance_ = rate_interval_ * o.max_messages_per_s;  // one second's worth
    }
    heartbeat_ticks_ = ms_to_ticks(o.heartbeat_timeout_ms);
    slots_.emplace_back();  // slot 0 is never used, so a zero SessionRef names nothing
}

Worker::~Worker() {
    join();
}

Worker* Worker::current() noexcept {
    return tl_current;
}

void Worker::start() {
    thread_ = std::thread([this] {
        // OpenSSL writes TLS records (and SSL_shutdown's close_notify) with write(), which raises
        // SIGPIPE on a connection the peer has reset: that would kill the process. Blocked here,
        // the write fails with EPIPE and the connection closes like any other (plain sockets
        // use MSG_NOSIGNAL already). The pending signal stays with this thread, harmlessly.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        tl_current = this;
        epoch_ = std::chrono::steady_clock::now();
        start_ticks();
        io_.run();
        tl_current = nullptr;
    });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

std::uint32_t Worker::ms_to_ticks(std::int64_t ms) const noexcept {
    if (ms <= 0) return 0;
    const auto tick = std::max<std::int64_t>(server_.options().tick_ms, 1);
    return static_cast<std::uint32_t>((ms + tick - 1) / tick);
}

// ---------------------------------------------------------------------------------------------
// Connections

router::SessionRef Worker::ref_of(const Connection& c) const noexcept {
    return {index_, c.slot, c.generation};
}

Connection* Worker::find(std::uint32_t slot, std::uint32_t generation) noexcept {
    if (slot == 0 || slot >= slots_.size()) return nullptr;
    Slot& s = slots_[slot];
    if (s.generation != generation || !s.conn || s.conn->state == Connection::State::closed) {
        return nullptr;
    }
    return s.conn.get();
}

Connection* Worker::find(router::SessionRef ref) noexcept {
    return ref.worker == index_ ? find(ref.slot, ref.generation) : nullptr;
}

ConnExtra& Worker::extra(Connection& c) {
    if (!c.extra) c.extra = std::make_unique<ConnExtra>();
    return *c.extra;
}

void Worker::release_extra_if_empty(Connection& c) noexcept {
    if (c.extra && c.extra->empty()) c.extra.reset();
}

void Worker::adopt(Connection::Socket socket, std::uint32_t ip_entry) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!ec) socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (ec || quiescing_) {
        server_.release_connection(ip_entry);
        return;  // the socket closes as it goes out of scope
    }

    std::uint32_t slot = 0;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    auto& s = slots_[slot];
    s.conn = std::make_unique<Connection>(std::move(socket));
    Connection& c = *s.conn;
    c.slot = slot;
    c.generation = s.generation;
    c.born_tick = c.last_active_tick = wheel_.now();
    c.ip_entry = ip_entry;
    if (rate_interval_ != 0) c.rate_tat = rate_now();
    stats_.add(stats_.accepted);
    stats_.add(stats_.open);
    stats_.add(stats_.open_by_protocol[static_cast<std::size_t>(c.protocol)]);
    if (spdlog::should_log(spdlog::level::debug)) {
        boost::system::error_code ep_ec;
        const auto remote = c.socket.remote_endpoint(ep_ec);
        spdlog::debug("event=accept session={} peer={}", session_id(c),
                      ep_ec ? std::string("?") : remote.address().to_string());
    }
    schedule_deadline(c);
    arm_read(c);
}

void Worker::set_protocol(Connection& c, codec::Protocol p) {
    if (c.protocol == p) return;
    stats_.sub(stats_.open_by_protocol[static_cast<std::size_t>(c.protocol)]);
    stats_.add(stats_.open_by_protocol[static_cast<std::size_t>(p)]);
    stats_.add(stats_.detected[static_cast<std::size_t>(p)]);
    c.protocol = p;
}

std::string Worker::session_id(const Connection& c) const {
    return std::to_string(index_) + '.' + std::to_string(c.slot) + '.' +
           std::to_string(c.generation);
}

std::size_t Worker::bind_user(Connection& c, std::string_view user) {
    if (c.user == user) return server_.registry().sessions(user).size();  // a repeated login
    unbind_user(c);
    c.user.assign(user);
    const std::size_t n =
        server_.registry().add(c.user, ref_of(c), static_cast<std::uint8_t>(c.protocol));
    server_.presence_changed(c.user);
    stats_.add(stats_.logins);
    spdlog::debug("event=login session={} user={} protocol={} sessions={}", session_id(c), c.user,
                  codec::protocol_name(c.protocol), n);
    schedule_deadline(c);  // the login deadline gives way to the heartbeat deadline
    return n;
}

// When the user's last session goes, its groups and friends hear of it (cmd 10, cmd 29).
void Worker::unbind_user(Connection& c) {
    if (c.user.empty()) return;
    const std::size_t remaining = server_.registry().remove(c.user, ref_of(c));
    server_.presence_changed(c.user);
    server_.service().session_ended(c.user, codec::protocol_name(c.protocol), remaining, ctx_);
    c.user.clear();
}

// ---------------------------------------------------------------------------------------------
// Input

void Worker::arm_read(Connection& c) {
    c.read_armed = true;
    c.socket.async_wait(asio::socket_base::wait_read,
                        [this, slot = c.slot, gen = c.generation](boost::system::error_code ec) {
                            if (!ec) on_readable(slot, gen);
                        });
}

ssize_t Worker::read_some(Connection& c, char* buf, std::size_t size) {
    if (c.tls) return tls_read(c, buf, size);
    return ::read(c.socket.native_handle(), buf, size);
}

// Reads until the socket would block (the reactor is edge-triggered), at most
// kMaxReadsPerWakeup times, then lets other connections run.
// A paused connection (outbox above high water) is left unarmed until it drains.
void Worker::on_readable(std::uint32_t slot, std::uint32_t generation) {
    if (Connection* c = find(slot, generation)) c->read_armed = false;
    for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
        Connection* c = find(slot, generation);
        if (c == nullptr || c->state != Connection::State::open || c->read_paused || quiescing_) {
            return;
        }
        if (!maybe_start_tls(*c)) return;
        const ssize_t n = read_some(*c, read_buffer_.data(), read_buffer_.size());
        if (n > 0) {
            c->last_active_tick = wheel_.now();
            c->ws_pinged = false;
            on_data(*c, std::span<char>(read_buffer_.data(), static_cast<std::size_t>(n)));
            continue;
        }
        if (n == 0) {
            destroy(*c, Errc::peer_closed);
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            arm_read(*c);
            return;
        }
        destroy(*c, errno == ECONNRESET ? Errc::peer_closed : Errc::io_error);
        return;
    }
    // Still readable: continue after the handlers already queued, without waiting for an edge.
    if (Connection* c = find(slot, generation)) c->read_armed = true;
    asio::post(io_, [this, slot, generation] { on_readable(slot, generation); });
}

// Parses straight from the worker buffer; only an unfinished frame is copied into the
// connection, and released as soon as it completes.
void Worker::on_data(Connection& c, std::span<char> data) {
    if (c.pending_in.empty()) {
        const std::size_t used = parse(c, data);
        if (used < data.size() && c.state == Connection::State::open) {
            c.pending_in.assign(data.begin() + static_cast<std::ptrdiff_t>(used), data.end());
        }
        return;
    }
    c.pending_in.insert(c.pending_in.end(), data.begin(), data.end());
    if (c.pending_in.size() > pending_cap_) {
        // Only a paused HTTP exchange with a peer that keeps pipelining gets here: every frame
        // and head is bounded by its own limit below this cap.
        close_after_flush(c, Errc::body_too_large);
        return;
    }
    resume_input(c);
}

// Parses what is kept in pending_in (after new bytes, or when a paused HTTP exchange ends).
void Worker::resume_input(Connection& c) {
    if (c.pending_in.empty() || c.state != Connection::State::open) return;
    const std::size_t used = parse(c, std::span<char>(c.pending_in.data(), c.pending_in.size()));
    if (c.state != Connection::State::open || used == c.pending_in.size()) {
        std::vector<char>().swap(c.pending_in);
    } else if (used > 0) {
        c.pending_in.erase(c.pending_in.begin(),
                           c.pending_in.begin() + static_cast<std::ptrdiff_t>(used));
    }
}

// ---------------------------------------------------------------------------------------------
// Output

void Worker::send(Connection& c, std::uint8_t command, SharedBytes body) {
    queue(c, OutEntry{std::move(body), command, OutEntry::Kind::message});
}

void Worker::send_raw(Connection& c, SharedBytes bytes) {
    queue(c, OutEntry{std::move(bytes), 0, OutEntry::Kind::raw});
}

void Worker::queue(Connection& c, OutEntry entry) {
    if (c.state == Connection::State::closed) return;
    const auto size = static_cast<std::uint32_t>(entry.body.size() + kMaxHeader);
    if (c.out_bytes + size > server_.options().max_outbox_bytes) {
        destroy(c, Errc::slow_consumer);
        return;
    }
    c.out_bytes += size;
    c.outbox.push_back(std::move(entry));
    stats_.add(stats_.frames_out);
    check_high_water(c);
    mark_dirty(c);
}

void Worker::deliver(router::SessionRef to, std::uint8_t command, const SharedBytes& body) {
    if (Connection* c = find(to); c != nullptr && c->state == Connection::State::open) {
        send(*c, command, body);
    }
}

void Worker::close_session(router::SessionRef to, Errc reason) {
    if (Connection* c = find(to)) close_after_flush(*c, reason);
}

void Worker::enqueue_remote(Envelope e) {
    outgoing_[e.to.worker].push_back(std::move(e));
    schedule_flush();
}

void Worker::post_batch(std::vector<Envelope> batch) {
    asio::post(io_, [this, batch = std::move(batch)]() mutable {
        for (auto& e : batch) {
            if (e.kind == Envelope::Kind::deliver) {
                deliver(e.to, e.command, e.body);
            } else {
                close_session(e.to, e.reason);
            }
        }
    });
}

void Worker::mark_dirty(Connection& c) {
    if (!c.dirty) {
        c.dirty = true;
        dirty_.push_back(ref_of(c));
    }
    schedule_flush();
}

void Worker::schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    asio::post(io_, [this] { flush(); });
}

// End of the loop pass: one write per dirty connection, one hand-over per other worker.
void Worker::flush() {
    flush_scheduled_ = false;
    flushing_.swap(dirty_);  // both keep their capacity from pass to pass
    for (const auto& ref : flushing_) {
        if (Connection* c = find(ref)) {
            c->dirty = false;
            flush_connection(*c);
        }
    }
    flushing_.clear();
    for (std::size_t w = 0; w < outgoing_.size(); ++w) {
        if (outgoing_[w].empty()) continue;
        server_.worker(w).post_batch(std::move(outgoing_[w]));
        outgoing_[w] = {};
    }
    free_closed();
}

// Drops `bytes` written (headers included) from the front of the outbox.
void Worker::consume_output(Connection& c, std::size_t bytes) {
    std::size_t written = bytes + c.out_offset;
    std::size_t done = 0;
    char h[kMaxHeader];
    for (; done < c.outbox.size(); ++done) {
        const OutEntry& e = c.outbox[done];
        const std::size_t total = frame_header(c.protocol, e, h) + e.body.size();
        if (written < total) break;
        written -= total;
        c.out_bytes -= static_cast<std::uint32_t>(e.body.size() + kMaxHeader);
    }
    c.outbox.erase(c.outbox.begin(), c.outbox.begin() + static_cast<std::ptrdiff_t>(done));
    c.out_offset = static_cast<std::uint32_t>(written);
}

// Copies up to `limit` bytes of queued output (headers included, from out_offset on) to `out`.
std::size_t Worker::gather(const Connection& c, char* out, std::size_t limit) const {
    std::size_t n = 0;
    std::size_t skip = c.out_offset;
    char h[kMaxHeader];
    for (const OutEntry& e : c.outbox) {
        const std::size_t h_len = frame_header(c.protocol, e, h);
        const std::string_view parts[2] = {std::string_view(h, h_len), e.body.view()};
        for (auto part : parts) {
            if (skip >= part.size()) {
                skip -= part.size();
                continue;
            }
            const std::size_t take = std::min(part.size() - skip, limit - n);
            std::copy_n(part.data() + skip, take, out + n);
            n += take;
            skip = 0;
            if (n == limit) return n;
        }
    }
    return n;
}

void Worker::flush_connection(Connection& c) {
    if (c.write_armed) return;  // the writable handler continues
    if (c.tls) {
        flush_tls(c);
    } else {
        const int fd = c.socket.native_handle();
        while (!c.outbox.empty()) {
            iovec iov[kMaxIov];
            char headers[kMaxIov / 2][kMaxHeader];
            std::size_t n_iov = 0;
            std::size_t skip = c.out_offset;
            for (std::size_t i = 0; i < c.outbox.size() && i < kMaxIov / 2; ++i) {
                const OutEntry& e = c.outbox[i];
                const std::size_t h_len = frame_header(c.protocol, e, headers[i]);
                const std::string_view parts[2] = {std::string_view(headers[i], h_len),
                                                   e.body.view()};
                for (auto part : parts) {
                    if (skip >= part.size()) {
                        skip -= part.size();
                        continue;
                    }
                    iov[n_iov].iov_base = const_cast<char*>(part.data() + skip);
                    iov[n_iov].iov_len = part.size() - skip;
                    ++n_iov;
                    skip = 0;
                }
            }
            msghdr msg{};
            msg.msg_iov = iov;
            msg.msg_iovlen = n_iov;
            const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
            stats_.add(stats_.writes);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    arm_write(c);
                    return;
                }
                destroy(c,
                        errno == EPIPE || errno == ECONNRESET ? Errc::peer_closed : Errc::io_error);
                return;
            }
            consume_output(c, static_cast<std::size_t>(n));
        }
    }
    if (c.read_paused) check_low_water(c);
    if (c.state == Connection::State::closed || !c.outbox.empty()) return;
    c.out_offset = 0;
    c.out_bytes = 0;
    if (c.outbox.capacity() > kKeepOutboxCapacity) std::vector<OutEntry>().swap(c.outbox);
    if (c.state == Connection::State::draining) destroy(c, c.close_reason);
}

void Worker::arm_write(Connection& c) {
    c.write_armed = true;
    c.socket.async_wait(asio::socket_base::wait_write,
                        [this, slot = c.slot, gen = c.generation](boost::system::error_code ec) {
                            if (ec) return;
                            Connection* conn = find(slot, gen);
                            if (conn == nullptr) return;
                            conn->write_armed = false;
                            flush_connection(*conn);
                            free_closed();
                        });
}

// ---------------------------------------------------------------------------------------------
// Closing: idempotent, at a safe point, counted by reason.

void Worker::close_after_flush(Connection& c, Errc reason) {
    if (c.state != Connection::State::open) return;
    if (c.protocol == codec::Protocol::websocket && !c.ws_close_sent) {
        const auto code = error_info(reason).ws_close;
        ws_send_control(c, codec::ws::Opcode::close,
                        codec::ws::close_payload(code, error_info(reason).name));
        c.ws_close_sent = true;
    }
    c.state = Connection::State::draining;
    c.close_reason = reason;
    c.last_active_tick = wheel_.now();
    schedule_deadline(c);
    mark_dirty(c);  // the flush closes it once the outbox is empty
}

void Worker::destroy(Connection& c, Errc reason) {
    if (c.state == Connection::State::closed) return;
    c.state = Connection::State::closed;
    // Closes the server decides for a problem are worth an operator's eye; the rest is routine.
    const auto level = reason == Errc::io_error || reason == Errc::slow_consumer
                           ? spdlog::level::warn
                           : spdlog::level::debug;
    if (spdlog::should_log(level)) {
        spdlog::log(level, "event=close session={} user={} protocol={} reason={}", session_id(c),
                    c.user.empty() ? std::string_view("-") : std::string_view(c.user),
                    codec::protocol_name(c.protocol), error_info(reason).name);
    }
    if (!shutting_down_) {
        unbind_user(c);
    } else if (!c.user.empty()) {
        server_.registry().remove(c.user, ref_of(c));  // nobody is left to notify
    }
    if (c.tls) SSL_shutdown(c.extra->tls->ssl.get());  // best effort close_notify
    if (reason != Errc::peer_closed && reason != Errc::io_error) discard_input(c);
    boost::system::error_code ec;
    c.socket.close(ec);  // a pending wait completes with operation_aborted and finds no slot
    stats_.add(stats_.closed[static_cast<std::size_t>(reason)]);
    stats_.sub(stats_.open);
    stats_.sub(stats_.open_by_protocol[static_cast<std::size_t>(c.protocol)]);
    server_.release_connection(c.ip_entry);
    closed_slots_.push_back(c.slot);
    schedule_flush();
}

// Closing a socket with unread input makes the kernel send a reset, and a reset makes the
// peer's kernel drop what it had not read yet: the status or close frame that says why. So the
// input that already arrived is read and dropped first (bounded; input arriving later still
// resets, but a peer that stops sending when told gets the whole answer).
void Worker::discard_input(Connection& c) noexcept {
    char scratch[4096];
    for (int i = 0; i < 16; ++i) {
        if (::recv(c.socket.native_handle(), scratch, sizeof(scratch), MSG_DONTWAIT) <= 0) return;
    }
}

void Worker::free_closed() {
    for (const std::uint32_t slot : closed_slots_) {
        Slot& s = slots_[slot];
        s.conn.reset();
        if (++s.generation == 0) s.generation = 1;
        free_slots_.push_back(slot);
    }
    closed_slots_.clear();
    if (shutting_down_ && !stopped_ && stats_.open.load(std::memory_order_relaxed) == 0) {
        finish_shutdown();
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines: login timeout, heartbeat (idle) timeout, WebSocket keep-alive ping, drain timeout.

std::uint32_t Worker::deadline(const Connection& c) const noexcept {
    if (c.state == Connection::State::draining) return c.last_active_tick + kDrainTicks;
    // HTTP connections never log in: their keep-alive idles out like an unlogged session.
    const bool logged_in = !c.user.empty();
    if (!logged_in && login_ticks_ != 0) {
        return c.protocol == codec::Protocol::http ? c.last_active_tick + login_ticks_
                                                   : c.born_tick + login_ticks_;
    }
    if (heartbeat_ticks_ == 0) return 0;
    // A WebSocket peer is pinged halfway, so browsers (which answer pings by themselves) stay.
    if (c.protocol == codec::Protocol::websocket && !c.ws_pinged) {
        return c.last_active_tick + std::max<std::uint32_t>(heartbeat_ticks_ / 2, 1);
    }
    return c.last_active_tick + heartbeat_ticks_;
}

void Worker::schedule_deadline(Connection& c) {
    const std::uint32_t due = deadline(c);
    if (due == 0) return;
    if (c.wheel_tick != 0 && c.wheel_tick <= due) return;  // an earlier check is pending
    c.wheel_tick = wheel_.schedule(c.slot, c.generation, due);
}

void Worker::start_ticks() {
    tick_timer_.expires_after(std::chrono::milliseconds(server_.options().tick_ms));
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !shutting_down_) on_tick();
    });
}

void Worker::on_tick() {
    const auto elapsed = std::chrono::steady_clock::now() - epoch_;
    const auto now = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() /
        server_.options().tick_ms);
    wheel_.advance(now, [this](const TimerWheel::Entry& e) {
        Connection* c = find(e.slot, e.generation);
        if (c == nullptr || c->wheel_tick != e.tick) return;  // closed, or superseded
        c->wheel_tick = 0;
        on_deadline(*c);
    });
    free_closed();
    if (index_ == 0) server_.service().tick();  // large groups' presence counts, once per tick
    start_ticks();
}

void Worker::on_deadline(Connection& c) {
    const std::uint32_t due = deadline(c);
    if (due == 0) return;
    if (due > wheel_.now()) {
        c.wheel_tick = wheel_.schedule(c.slot, c.generation, due);
        return;
    }
    if (c.state == Connection::State::draining) {
        destroy(c, c.close_reason);
        return;
    }
    const bool logged_in = !c.user.empty();
    if (c.protocol == codec::Protocol::websocket && logged_in && !c.ws_pinged) {
        ws_ping(c);
        schedule_deadline(c);
        return;
    }
    close_after_flush(c,
                      !logged_in && login_ticks_ != 0 ? Errc::login_timeout : Errc::idle_timeout);
}

}  // namespace jim::net
