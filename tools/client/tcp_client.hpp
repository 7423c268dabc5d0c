#pragma once
// A small blocking J-IM TCP client (spec §2 framing, §5/§6 commands) for integration tests,
// jim-cli and load tools, over plain TCP or TLS (stream.hpp). No Asio: every call that waits is
// bounded by a deadline (poll() with the remaining time), so a misbehaving server can fail a
// test but never hang it.

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "client/json_helpers.hpp"
#include "client/stream.hpp"

namespace jim::client {

// One decoded server frame. body is the JSON text exactly as received.
struct Frame {
    std::uint8_t command = 0;
    std::string body;
};

// One TCP (or TLS-TCP) connection to a J-IM server. Owns the stream (closed by the destructor),
// a receive buffer holding at most one unfinished frame plus whatever arrived behind it, and a
// queue of frames that read_until()/wait_closed() set aside. A peer close, a reset or an
// undecodable frame header all put the client in the "peer closed" state; reads then return nullopt
// at once. Thread: one thread at a time (no internal locking); may be moved between threads.
class TcpClient {
  public:
    // Connects to host:port (IPv4 dotted quad, "localhost", or a name resolved with getaddrinfo,
    // which is not bounded by `timeout`). A non-empty source_ip binds the local end first
    // (e.g. "127.0.0.2") to spread many connections over several loopback addresses.
    static boost::system::result<TcpClient> connect(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    const std::string& source_ip = {});
    // The same with TLS and the other transport options (see ConnectOptions).
    static boost::system::result<TcpClient> connect(const std::string& host, std::uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    const ConnectOptions& options);

    TcpClient(TcpClient&& other) noexcept = default;
    TcpClient& operator=(TcpClient&& other) noexcept = default;
    TcpClient(const TcpClient&) = delete;
    TcpClient& operator=(const TcpClient&) = delete;
    ~TcpClient() = default;

    // Sends one client frame (mask 0x51, no synSeq). False if the connection is closed, the
    // peer reset it, or the bytes could not be written within the send timeout.
    bool send(std::uint8_t command, std::string_view json);
    // Sends arbitrary bytes as they are (bad frames, partial frames, byte-by-byte tests).
    bool send_raw(std::string_view bytes);

    // The next frame: first from the internal queue, then from the socket. nullopt on timeout,
    // close, reset or undecodable input (see peer_closed() to tell them apart).
    std::optional<Frame> read(std::chrono::milliseconds timeout);
    // The first frame with `command`, looking in the queue first. Other frames read meanwhile are
    // queued and returned by later read() calls in arrival order.
    std::optional<Frame> read_until(std::uint8_t command, std::chrono::milliseconds timeout);
    // True if the server closed the connection (EOF, reset, or undecodable bytes) within
    // timeout. Frames arriving before the close are queued for read().
    bool wait_closed(std::chrono::milliseconds timeout);

    // Sends cmd 5 {"cmd":5,"userId":user,"password":password}, waits for cmd 6 and returns its
    // body. Remembers `user` as the "from" of later chat() calls.
    std::optional<std::string> login(const std::string& user, const std::string& password,
                                     std::chrono::milliseconds timeout);
    // Sends a private chat (cmd 11, chatType 2, msgType 0, from = the logged-in user if any)
    // and returns the acknowledgement body (cmd 12).
    std::optional<std::string> chat(const std::string& to, const std::string& content,
                                    std::chrono::milliseconds timeout);

    // Bounds each send()/send_raw() call (default 10 s); a full socket buffer beyond it fails.
    void set_send_timeout(std::chrono::milliseconds timeout) { send_timeout_ = timeout; }

    // True once EOF, a reset, a socket error or an undecodable frame was seen.
    bool peer_closed() const { return io_.closed(); }
    // Frames read from the socket but not yet returned.
    std::size_t queued() const { return queue_.size(); }
    // The socket (with TLS, reading it directly yields ciphertext).
    int fd() const { return io_.stream().fd(); }
    bool is_tls() const { return io_.stream().is_tls(); }
    // Closes the connection now; idempotent.
    void close() { io_.stream().close(); }

  private:
    explicit TcpClient(Stream stream) : io_(std::move(stream)) {}

    using Clock = SteadyClock;
    // Decodes the next frame from the socket only (not the queue), waiting until `deadline`.
    std::optional<Frame> next_from_wire(Clock::time_point deadline);
    // Decodes one frame from the receive buffer if complete; undecodable bytes close it.
    std::optional<Frame> take_buffered();

    BufferedStream io_;
    std::deque<Frame> queue_;  // frames set aside by read_until()/wait_closed()
    std::string user_;         // set by login(), used as "from" in chat()
    std::chrono::milliseconds send_timeout_{10'000};
};

}  // namespace jim::client
