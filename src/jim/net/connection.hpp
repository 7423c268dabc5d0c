#pragma once
// Per-connection state: a plain, small struct (CONVENTIONS: uWS WebSocketData). An idle
// connection holds no receive buffer (reads go into the worker's buffer; only an unfinished frame
// is kept here) and no timer (the worker's TimerWheel holds a 12-byte entry). Its size is
// recorded in ARCHITECTURE.md and checked by a unit test.
// Owner: the Worker's slot table. Thread: owning worker only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jim/base/error.hpp"
#include "jim/base/shared_bytes.hpp"
#include "jim/codec/detect.hpp"

namespace jim::net {

// One queued server message: the shared body plus the command byte the TCP header needs. The
// protocol header (TCP frame header, WebSocket text frame header) is produced at write time, so
// one body serves every protocol. Raw entries (HTTP responses, WebSocket control frames, the
// 101 response) are written as they are.
struct OutEntry {
    enum class Kind : std::uint8_t { message, raw };
    SharedBytes body;
    std::uint8_t command = 0;
    Kind kind = Kind::message;
};

struct ConnExtra;  // rarely needed state (TLS, HTTP parser, WS fragments), see conn_extra.hpp

struct Connection {
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                    boost::asio::io_context::executor_type>;
    enum class State : std::uint8_t {
        open,      // reading and dispatching
        draining,  // close requested: write what is queued, read nothing more
        closed,    // socket closed; the slot is freed at the end of the loop pass
    };

    explicit Connection(Socket s);

    Socket socket;
    std::string user;                  // logged-in user id; empty before login
    std::vector<char> pending_in;      // an unfinished frame; empty (no allocation) when idle
    std::vector<OutEntry> outbox;      // written with one sendmsg per loop pass
    std::unique_ptr<ConnExtra> extra;  // null for a plain TCP or idle WebSocket session
    std::uint32_t out_offset = 0;      // bytes of outbox.front() (header + body) already written
    std::uint32_t out_bytes = 0;       // bytes queued, for the watermarks and the hard cap
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    std::uint32_t born_tick = 0;         // wheel tick of accept
    std::uint32_t last_active_tick = 0;  // wheel tick of the last byte received
    std::uint32_t wheel_tick = 0;        // tick of this connection's live wheel entry (0: none)
    std::uint32_t ip_entry = 0;          // its IpLimiter entry (0: per-IP limits off)
    std::uint32_t rate_tat = 0;          // message rate: GCRA arrival time, 1/16 ms units
    codec::Protocol protocol = codec::Protocol::unknown;
    State state = State::open;
    Errc close_reason = Errc::ok;
    // One bit each, so the struct stays at its size budget.
    bool write_armed : 1 = false;  // waiting for the socket to become writable
    bool read_armed : 1 = false;   // a readable wait or a posted read is pending
    bool read_paused : 1 = false;  // outbox above the high watermark: not reading
    bool dirty : 1 = false;        // in the worker's flush list for this pass
    bool tls : 1 = false;          // bytes on the socket are TLS records (extra->tls is set)
    bool ws_pinged : 1 = false;    // a keep-alive ping is out and nothing arrived since
    bool ws_close_sent : 1 = false;
    bool http_busy : 1 = false;  // an HTTP request is being answered; later ones wait

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();
};

}  // namespace jim::net
