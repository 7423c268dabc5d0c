#pragma once
// An asynchronous HTTP/1.1 client for the server's outgoing calls (webhooks, the moderation hook,
// webhook authentication): plain http, POST with a JSON body, a deadline per request and
// kept-alive connections reused per host.
//
// One thread of its own runs an io_context; callers on any thread hand it requests and return at
// once. Completions run on that thread, so a caller on a network worker posts the result home
// (as with the store). At most `max_connections_per_host` requests run at once per host; more wait
// in order, and the wait counts against their deadline.
// Owner: whoever calls out (one client per integration, so a dead webhook receiver cannot hold up
// moderation). Thread: post() and stats() from any thread; callbacks on the client's thread.

#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jim::hooks {

// An absolute http URL split for the client: "http://host[:port][/target]".
struct Url {
    std::string host;
    std::string port = "80";
    std::string target = "/";
};

// nullopt unless `text` is an http URL with a host (https is not supported).
std::optional<Url> parse_url(std::string_view text);

struct HttpResult {
    // A transport error (refused, reset, timed out, ...); empty when a response arrived.
    boost::system::error_code error;
    bool timed_out = false;
    int status = 0;  // the HTTP status when a response arrived
    std::string body;

    bool ok() const noexcept { return !error && status >= 200 && status < 300; }
    // One line for logs: "HTTP 500", "timed out", "connection refused".
    std::string describe() const;
};

struct HttpClientOptions {
    std::size_t max_connections_per_host = 16;
    std::size_t max_idle_per_host = 16;
    std::size_t max_response_bytes = 1u << 20;
};

struct HttpClientStats {
    std::uint64_t requests = 0;
    std::uint64_t connects = 0;  // new TCP connections (requests - connects were reused)
    std::uint64_t timeouts = 0;
    std::uint64_t errors = 0;  // transport errors other than timeouts
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
  public:
    explicit HttpClient(HttpClientOptions options = {});
    // Stops the thread; requests still running are abandoned and their callbacks never run.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // POSTs `body` (Content-Type: application/json unless `headers` name one) to `url` and calls
    // `done` exactly once on the client thread, by `timeout` at the latest (counted from now).
    // A reused connection the server had closed is retried once on a fresh one.
    void post(const Url& url, std::string body, HttpHeaders headers,
              std::chrono::milliseconds timeout, std::function<void(HttpResult)> done);

    HttpClientStats stats() const noexcept;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace jim::hooks
