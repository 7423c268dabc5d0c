#pragma once
// The transport under the blocking clients: one connected, non-blocking IPv4 socket, optionally
// wrapped in TLS (OpenSSL, kept out of this header). Every wait is a poll() bounded by the
// caller's deadline, the TCP connect and the TLS handshake included, so a server that stops
// answering can fail a test but never hang it.

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

struct ssl_st;  // OpenSSL's SSL; only stream.cpp/tls.cpp see the definition

namespace jim::client {

using SteadyClock = std::chrono::steady_clock;

// How to reach the server. The default is plain TCP from an ephemeral local address.
struct ConnectOptions {
    // Speak TLS 1.2+ on the connection (the server detects the ClientHello by its first byte).
    bool tls = false;
    // Non-empty: bind the local end to this IPv4 address first (e.g. "127.0.0.2"), to spread
    // many connections over several loopback addresses.
    std::string source_ip;
    // TLS only. Empty: the server certificate is NOT verified (throw-away test certificates).
    // Non-empty: a PEM file of trusted certificates; the chain and the name (server_name, or
    // the host; an IP literal is matched against IP SANs) must verify or connect() fails.
    std::string ca_file;
    // TLS only. The SNI name and the name to verify; empty means the host. IP literals are
    // never sent as SNI (RFC 6066 §3).
    std::string server_name;
};

enum class IoStatus : std::uint8_t {
    ok,       // progress was made
    timeout,  // the deadline passed first; the stream is still usable
    closed,   // EOF, reset, socket or TLS error: nothing more will come
};

struct ReadResult {
    IoStatus status = IoStatus::closed;
    std::size_t size = 0;  // bytes read when status == ok (always > 0 then)
};

// One connection, plain or TLS. Owns the socket and the TLS session; the destructor closes
// both (TLS sends a best-effort close_notify first). Movable, not copyable.
// Thread: one thread at a time (no internal locking); may be moved between threads.
class Stream {
  public:
    // Connects to host:port (IPv4 dotted quad, "localhost", or a name resolved with
    // getaddrinfo, which is not bounded by `timeout`) and, with options.tls, completes the TLS
    // handshake, all within `timeout`. Errors: system errors, errc::timed_out, or a TLS error
    // whose message() is OpenSSL's (certificate problems name the X.509 verify result).
    static boost::system::result<Stream> connect(const std::string& host, std::uint16_t port,
                                                 std::chrono::milliseconds timeout,
                                                 const ConnectOptions& options = {});

    Stream() = default;
    Stream(Stream&& other) noexcept;
    Stream& operator=(Stream&& other) noexcept;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream();

    // Writes every byte before `deadline`. timeout leaves an unknown prefix written.
    IoStatus write_all(std::string_view bytes, SteadyClock::time_point deadline);
    // Reads what is available (at most out.size() bytes), waiting until `deadline` for the
    // first byte. Bytes TLS has already decrypted are returned without waiting.
    ReadResult read_some(std::span<char> out, SteadyClock::time_point deadline);

    // Closes now; idempotent.
    void close();

    bool is_open() const { return fd_ >= 0; }
    bool is_tls() const { return ssl_ != nullptr; }
    // The socket. With TLS, bytes read from it directly are ciphertext.
    int fd() const { return fd_; }
    // The negotiated protocol ("TLSv1.3"), empty without TLS.
    std::string tls_version() const;

  private:
    Stream(int fd, ssl_st* ssl) : fd_(fd), ssl_(ssl) {}

    int fd_ = -1;
    ssl_st* ssl_ = nullptr;
    bool tls_failed_ = false;  // a fatal TLS error was seen: no close_notify may be sent
};

// A Stream plus the bytes received but not consumed yet: the clients decode straight from
// unread() and consume() what they used. Holds at most one unfinished message plus whatever
// arrived behind it (consumed bytes are dropped before the buffer grows).
// Thread: one thread at a time; may be moved between threads.
class BufferedStream {
  public:
    BufferedStream() = default;
    explicit BufferedStream(Stream stream) : stream_(std::move(stream)) {}
    BufferedStream(BufferedStream&& other) noexcept;
    BufferedStream& operator=(BufferedStream&& other) noexcept;

    // Waits until `deadline` for more bytes and appends them to unread(). False on timeout or
    // when the stream is closed (closed() tells which).
    bool fill(SteadyClock::time_point deadline);
    std::string_view unread() const { return std::string_view(rx_).substr(pos_); }
    void consume(std::size_t n);
    // Drops the unread bytes and stops reading: after undecodable input nothing can be framed.
    void discard_and_close();

    // Sends `bytes`; a closed result marks the stream closed.
    IoStatus write_all(std::string_view bytes, SteadyClock::time_point deadline);

    // True once EOF, a reset, a socket/TLS error or discard_and_close() was seen.
    bool closed() const { return closed_; }
    void mark_closed() { closed_ = true; }
    Stream& stream() { return stream_; }
    const Stream& stream() const { return stream_; }

  private:
    Stream stream_;
    std::string rx_;  // received bytes; the unread part starts at pos_
    std::size_t pos_ = 0;
    bool closed_ = false;
};

}  // namespace jim::client
