#pragma once
// A minimal blocking HTTP/1.1 client for integration tests: one request at a time over a
// kept-alive connection, plain or TLS (https). Bodies framed by Content-Length, chunked
// transfer coding, or the end of the connection (RFC 9112 §6.3). Content codings (gzip) are not
// undone: the body is returned as sent. Every wait is bounded by a deadline.

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/http_head.hpp"
#include "client/stream.hpp"

namespace jim::client {

struct HttpResponse {
    std::string version;  // "HTTP/1.1"
    int status = 0;
    std::string reason;
    HttpHeaders headers;       // in order received; get() is case-insensitive
    std::string body;          // de-chunked
    bool chunked = false;      // the body came with Transfer-Encoding: chunked
    bool until_close = false;  // the body was delimited by the server closing the connection

    std::optional<std::string> header(std::string_view name) const { return headers.get(name); }
};

enum class HttpParseStatus : std::uint8_t { ok, need_more, error };

struct HttpParse {
    HttpParseStatus status = HttpParseStatus::need_more;
    std::size_t consumed = 0;  // bytes of the whole response when ok
    HttpResponse response;
};

// Parses one complete response at the start of `in` (pure). `head_request`: the request was
// HEAD, so there is no body whatever the headers say. `eof`: the connection has ended, which
// completes a body that has neither Content-Length nor chunked coding. 1xx, 204 and 304
// responses have no body.
HttpParse parse_response(std::string_view in, bool head_request, bool eof,
                         std::size_t max_body = 64u * 1024 * 1024);

// One HTTP connection. Owns the stream (closed by the destructor) and a receive buffer; a
// response is consumed from it only once complete, so a read that timed out can be repeated.
// Pipelining works: send_raw() several requests, then read_response() each.
// Thread: one thread at a time (no internal locking); may be moved between threads.
class HttpClient {
  public:
    // Connects (see Stream::connect; options.tls for https) within `timeout`.
    static boost::system::result<HttpClient> connect(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout,
                                                     const ConnectOptions& options = {});

    HttpClient(HttpClient&& other) noexcept = default;
    HttpClient& operator=(HttpClient&& other) noexcept = default;
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient() = default;

    // Sends "<method> <target> HTTP/1.1" with Host (host:port) and, when there is a body or the
    // method is POST/PUT/PATCH, Content-Length; `headers` replace those (an empty value drops
    // one) or are added. Then reads the response. nullopt on timeout, a closed connection
    // before a complete response, or a malformed response (see protocol_error()).
    std::optional<HttpResponse> request(
        std::string_view method, std::string_view target, const HttpHeaders& headers = {},
        std::string_view body = {}, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Arbitrary bytes as they are (a head split in pieces, pipelined requests, bad requests).
    bool send_raw(std::string_view bytes);
    // The next response on the connection (after send_raw()).
    std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout,
                                              bool head_request = false);
    // True if the server closed the connection within timeout (bytes arriving meanwhile stay
    // buffered for read_response()).
    bool wait_closed(std::chrono::milliseconds timeout);

    // Bounds each send (default 10 s).
    void set_send_timeout(std::chrono::milliseconds timeout) { send_timeout_ = timeout; }
    bool peer_closed() const { return io_.closed(); }
    bool protocol_error() const { return protocol_error_; }
    int fd() const { return io_.stream().fd(); }
    bool is_tls() const { return io_.stream().is_tls(); }
    // Closes the connection now; idempotent.
    void close() { io_.stream().close(); }

  private:
    HttpClient(Stream stream, std::string host_header)
        : io_(std::move(stream)), host_header_(std::move(host_header)) {}
    using Clock = SteadyClock;

    BufferedStream io_;
    std::string host_header_;  // "host:port"
    std::chrono::milliseconds send_timeout_{10'000};
    bool protocol_error_ = false;
};

}  // namespace jim::client
