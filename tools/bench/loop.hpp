#pragma once
// One event-loop thread of jim-bench: raw epoll (level-triggered), non-blocking TCP sockets with
// TCP_NODELAY, one shared read buffer, and corked writes: whatever a connection queued during a
// pass goes out in one writev at the end of the pass. With TLS every socket carries an OpenSSL
// client (TLS 1.2+, no certificate verification) driven by the same loop: the handshake runs
// non-blocking after the TCP connect, then SSL_read / SSL_write replace read / writev. The
// scenario drives it through LoopHandler callbacks and by appending to Conn::out.
// Thread: owning thread only (a Loop and its Conns are never shared).

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "seq_tracker.hpp"

struct ssl_st;      // OpenSSL's SSL
struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace jim::bench {

// One generator connection (one user). Thread: owning Loop only.
struct Conn {
    enum class State : std::uint8_t { idle, connecting, handshaking, login_sent, ready, failed };

    int fd = -1;
    ssl_st* ssl = nullptr;         // TLS only
    std::uint32_t local = 0;       // index in Loop::conns()
    std::uint32_t generation = 0;  // bumped on every connect; stale epoll events are ignored
    State state = State::idle;
    bool dirty = false;           // in the loop's dirty list
    bool want_write = false;      // EPOLLOUT registered (connecting, or a write would block)
    std::uint8_t attempts = 0;    // connect attempts in the current phase
    std::uint8_t stream = 0;      // the Protocol's decoder state
    std::uint32_t unstamped = 0;  // chat frames at the end of `out` without a send time yet
    std::uint32_t inflight = 0;   // sent, not yet received by the partner (fanout: acked)
    bool joining = false;         // fanout: logged in, the join (cmd 7) not yet answered
    std::uint64_t next_seq = 0;   // sequence number of the next chat message
    std::int64_t started_ns = 0;  // when the current connect began
    std::size_t out_off = 0;      // bytes of `out` already written
    std::string out;              // queued, unwritten bytes
    std::string tail;             // unfinished input frame
    SeqTracker rx;                // what arrived from the partner
};

// What the scenario does with connection events. Thread: owning Loop only.
class LoopHandler {
  public:
    virtual ~LoopHandler() = default;
    // The connect (and TLS handshake) completed; queue the first bytes (login).
    virtual void on_connected(Conn& c) = 0;
    virtual void on_frame(Conn& c, const InFrame& f) = 0;
    // The connect failed or the connection broke; the socket is already closed. err = 0 means
    // an orderly close by the server, -1 an undecodable stream.
    virtual void on_closed(Conn& c, int err) = 0;
    // Called just before `c.out` is written (e.g. to stamp send times).
    virtual void before_write(Conn& c) { (void)c; }
};

// The event loop itself (see the file comment). Thread: owning thread only.
class Loop {
  public:
    Loop(const Protocol& protocol, LoopHandler& handler, std::size_t connections, bool tls);
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    std::vector<Conn>& conns() noexcept { return conns_; }
    const Protocol& protocol() const noexcept { return protocol_; }

    // Starts a non-blocking connect of conns()[i] (binding `src` first when given, with
    // IP_BIND_ADDRESS_NO_PORT). Returns the errno of an immediate failure, 0 when under way.
    int connect(Conn& c, const sockaddr_in& dst, const sockaddr_in* src);
    // Closes the socket without a callback. Idempotent.
    void close(Conn& c);
    // Marks `c` for writing at the end of this pass.
    void mark_dirty(Conn& c) {
        if (!c.dirty) {
            c.dirty = true;
            dirty_.push_back(c.local);
        }
    }
    // Waits up to timeout_ms for events, handles them, then writes every dirty connection.
    void poll(int timeout_ms);
    // CLOCK_MONOTONIC ns, refreshed after each wait and each read.
    std::int64_t now() const noexcept { return now_; }
    std::int64_t refresh_now() noexcept;

    std::uint64_t bytes_in() const noexcept { return bytes_in_; }
    std::uint64_t bytes_out() const noexcept { return bytes_out_; }

  private:
    void on_connect_ready(Conn& c);
    void on_handshake(Conn& c);
    void begin_login(Conn& c);
    void on_readable(Conn& c);
    // Reads into read_buffer_ after `have` bytes; returns the bytes read, 0 for nothing now, or
    // -1 after failing the connection.
    std::ptrdiff_t read_some(Conn& c, std::size_t have);
    // Writes `size` bytes; returns the bytes written, 0 when it would block, -1 after failing.
    std::ptrdiff_t write_some(Conn& c, const char* data, std::size_t size);
    void flush();
    void fail(Conn& c, int err);
    void set_write_interest(Conn& c, bool on);

    const Protocol& protocol_;
    LoopHandler& handler_;
    int epoll_fd_ = -1;
    ssl_ctx_st* ssl_ctx_ = nullptr;  // TLS only
    std::vector<Conn> conns_;
    std::vector<std::uint32_t> dirty_;
    std::vector<char> read_buffer_;
    std::vector<InFrame> frames_;
    std::int64_t now_ = 0;
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
};

}  // namespace jim::bench
