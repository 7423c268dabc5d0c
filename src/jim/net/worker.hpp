#pragma once
// One network worker: a thread running its own io_context, owning the connections accepted onto
// it for their whole life (CONVENTIONS: muduo EventLoop, seastar shards).
//
// Per loop pass: reads are drained into the worker's single receive buffer and dispatched by
// protocol (TCP frames, WebSocket frames, HTTP requests; TLS underneath any of them);
// everything queued for a connection is marked dirty; a flush posted once per pass writes each
// dirty connection with one sendmsg (corking) and hands messages for other workers over in one
// batch per worker.
//
// The member functions are spread over worker.cpp (loop, I/O, closing, deadlines),
// worker_tcp.cpp (detection and J-IM TCP), worker_ws.cpp (WebSocket), worker_http.cpp (HTTP),
// worker_tls.cpp (TLS), worker_limits.cpp (message rate, outbox watermarks) and
// worker_shutdown.cpp (graceful shutdown).
// Thread: everything runs on the owning worker thread, except post_batch(), quiesce(),
// post_shutdown() and the stats, which any thread may call.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "jim/codec/ws_frame.hpp"
#include "jim/net/connection.hpp"
#include "jim/net/post_queue.hpp"
#include "jim/net/stats.hpp"
#include "jim/net/timer_wheel.hpp"
#include "jim/router/session_ref.hpp"
#include "jim/service/command_service.hpp"

namespace jim::net {

class Server;

// A message or a close for a session on another worker.
struct Envelope {
    enum class Kind : std::uint8_t { deliver, close };
    router::SessionRef to;
    Kind kind = Kind::deliver;
    std::uint8_t command = 0;
    Errc reason = Errc::ok;
    SharedBytes body;
};

class Worker {
  public:
    Worker(Server& server, std::uint16_t index, std::uint64_t id_seed);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    boost::asio::io_context& io() noexcept { return io_; }
    std::uint16_t index() const noexcept { return index_; }
    const WorkerStats& stats() const noexcept { return stats_; }
    service::WorkerContext& context() noexcept { return ctx_; }
    // The worker whose thread is calling, or nullptr.
    static Worker* current() noexcept;

    void start();
    void join();
    // Graceful shutdown in two steps (worker_shutdown.cpp), both callable from any thread.
    // quiesce(): reads and accepts nothing more (what was read is still answered); the future is
    // ready once the worker has stopped reading. post_shutdown(): tells every client (WebSocket
    // close 1001, TCP close command 14), writes what is queued, and stops the loop once every
    // connection is gone or after `drain` (the rest are cut).
    std::future<void> quiesce();
    void post_shutdown(std::chrono::milliseconds drain);
    // Any thread: hands a batch of envelopes to this worker.
    void post_batch(std::vector<Envelope> batch);

    // Owning thread only.
    void adopt(Connection::Socket socket, std::uint32_t ip_entry = 0);
    // A connection the acceptor refused (limits): counted here, it never becomes a Connection.
    void count_refused(Errc reason);
    void deliver(router::SessionRef to, std::uint8_t command, const SharedBytes& body);
    void close_session(router::SessionRef to, Errc reason);
    // Buffers an envelope for another worker until the end of this loop pass.
    void enqueue_remote(Envelope e);

    // The Peer handed to command handlers (owning thread only).
    class ConnPeer;

  private:
    struct Slot {
        std::unique_ptr<Connection> conn;
        std::uint32_t generation = 1;
    };

    Connection* find(std::uint32_t slot, std::uint32_t generation) noexcept;
    Connection* find(router::SessionRef ref) noexcept;
    router::SessionRef ref_of(const Connection& c) const noexcept;
    ConnExtra& extra(Connection& c);
    // Sets c.protocol and keeps the per-protocol connection gauges right.
    void set_protocol(Connection& c, codec::Protocol p);
    // "worker.slot.generation": the session id logs carry.
    std::string session_id(const Connection& c) const;
    void release_extra_if_empty(Connection& c) noexcept;

    // Input (worker.cpp, worker_tcp.cpp)
    void arm_read(Connection& c);
    void on_readable(std::uint32_t slot, std::uint32_t generation);
    ssize_t read_some(Connection& c, char* buf, std::size_t size);
    void on_data(Connection& c, std::span<char> data);
    void resume_input(Connection& c);
    std::size_t parse(Connection& c, std::span<char> data);
    std::size_t parse_tcp(Connection& c, std::span<char> data);
    void dispatch(Connection& c, std::uint8_t command, std::string_view body);
    void fail(Connection& c, Errc reason);

    // WebSocket (worker_ws.cpp)
    std::size_t ws_upgrade(Connection& c, std::span<char> data, std::size_t head_size);
    void ws_accept(Connection& c, const boost::beast::http::request_header<>& req);
    std::size_t parse_ws(Connection& c, std::span<char> data);
    void ws_control(Connection& c, codec::ws::Opcode op, std::string_view payload);
    void ws_message(Connection& c, codec::ws::Opcode op, std::string_view payload);
    void ws_send_control(Connection& c, codec::ws::Opcode op, std::string_view payload);
    void ws_ping(Connection& c);

    // HTTP (worker_http.cpp)
    std::size_t parse_http(Connection& c, std::span<char> data);
    void http_error(Connection& c, Errc reason);

    // TLS (worker_tls.cpp)
    bool maybe_start_tls(Connection& c);
    ssize_t tls_read(Connection& c, char* buf, std::size_t size);
    void flush_tls(Connection& c);

    // Output (worker.cpp)
    void send(Connection& c, std::uint8_t command, SharedBytes body);
    void send_raw(Connection& c, SharedBytes bytes);
    void queue(Connection& c, OutEntry entry);
    void mark_dirty(Connection& c);
    void schedule_flush();
    void flush();
    void flush_connection(Connection& c);
    std::size_t gather(const Connection& c, char* out, std::size_t limit) const;
    void consume_output(Connection& c, std::size_t bytes);
    void arm_write(Connection& c);
    std::size_t bind_user(Connection& c, std::string_view user);
    void unbind_user(Connection& c);

    // Limits (worker_limits.cpp): message rate, outbox watermarks.
    bool admit_message(Connection& c, std::uint8_t command);
    std::uint32_t rate_now() const noexcept;
    void check_high_water(Connection& c);
    void check_low_water(Connection& c);

    // Closing and deadlines (worker.cpp)
    void close_after_flush(Connection& c, Errc reason);
    void destroy(Connection& c, Errc reason);
    void discard_input(Connection& c) noexcept;
    void free_closed();
    void start_ticks();
    void on_tick();
    void on_deadline(Connection& c);
    std::uint32_t deadline(const Connection& c) const noexcept;
    void schedule_deadline(Connection& c);
    std::uint32_t ms_to_ticks(std::int64_t ms) const noexcept;

    // Shutdown (worker_shutdown.cpp)
    void shutdown(std::chrono::milliseconds drain);
    void say_goodbye(Connection& c);
    void finish_shutdown();

    Server& server_;
    const std::uint16_t index_;
    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;

    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<std::uint32_t> closed_slots_;      // freed at the end of the pass
    std::vector<char> read_buffer_;                // shared by every connection of this worker
    std::vector<char> tls_buffer_;                 // plaintext gathered for one SSL_write
    std::vector<router::SessionRef> dirty_;        // connections with output queued this pass
    std::vector<router::SessionRef> flushing_;     // dirty_ of the pass being flushed
    std::vector<std::vector<Envelope>> outgoing_;  // per target worker, this pass
    bool flush_scheduled_ = false;
    bool quiescing_ = false;         // no more reads or accepts
    bool shutting_down_ = false;     // connections are being closed
    bool stopped_ = false;           // the loop has been told to stop
    bool in_http_dispatch_ = false;  // an HTTP handler is running synchronously

    TimerWheel wheel_;
    boost::asio::steady_timer tick_timer_;
    boost::asio::steady_timer drain_timer_;  // bounds the shutdown drain
    std::chrono::steady_clock::time_point epoch_;
    std::uint32_t login_ticks_ = 0;
    std::uint32_t heartbeat_ticks_ = 0;
    std::size_t pending_cap_ = 0;       // most unfinished input a connection may hold
    std::uint32_t rate_interval_ = 0;   // message rate: one message's cost in rate units; 0: off
    std::uint32_t rate_tolerance_ = 0;  // the burst: this far ahead of now a message is refused

    PostQueue completions_;  // store completions and other cross-thread work, one post per burst
    service::WorkerContext ctx_;
    WorkerStats stats_;
};

}  // namespace jim::net
