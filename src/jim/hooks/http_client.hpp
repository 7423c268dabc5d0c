#pragma once
// An asynchronous HTTP/1.1 client for the server's outgoing calls (webhooks, the moderation hook,
// webhook authentication): http or https, POST with a JSON body, a deadline per request and
// kept-alive connections reused per host.
//
// https verifies the receiver's certificate against the system trust store (plus
// HttpTlsOptions::ca_file) and its name against the URL's host (DNS name or IP address); the host
// name also goes out as SNI. A handshake that fails is a transport error like a refused
// connection, with the certificate check that failed in HttpResult::detail. The TLS context is
// made at the first https request, so a client that only speaks http never loads one.
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

// An absolute URL split for the client: "http[s]://host[:port][/target]".
struct Url {
    bool https = false;
    std::string host;
    std::string port = "80";  // 443 for https unless the URL names one
    std::string target = "/";
};

// nullopt unless `text` is an http or https URL with a host (no userinfo).
std::optional<Url> parse_url(std::string_view text);

// How https URLs are checked (config hooks.tls.*).
struct HttpTlsOptions {
    std::string ca_file;    // PEM certificates trusted besides the system store; "" none
    bool insecure = false;  // accept any certificate and name (development only; logs a warning)
};

// Why `tls` cannot make a TLS context (a ca_file that is unreadable or holds no certificate), or
// "" when it can. Start-up calls it so a bad file stops the server, not every later request.
std::string tls_problem(const HttpTlsOptions& tls);

struct HttpResult {
    // A transport error (refused, reset, timed out, ...); empty when a response arrived.
    boost::system::error_code error;
    // When `error` alone would not say it: "TLS handshake failed: <the certificate check that
    // failed, or the TLS error>", or why the TLS context could not be made. describe() uses it.
    std::string detail;
    bool timed_out = false;
    int status = 0;  // the HTTP status when a response arrived
    std::string body;

    bool ok() const noexcept { return !error && status >= 200 && status < 300; }
    // One line for logs: "HTTP 500", "timed out", "connection refused",
    // "TLS handshake failed: self-signed certificate".
    std::string describe() const;
};

struct HttpClientOptions {
    std::size_t max_connections_per_host = 16;
    std::size_t max_idle_per_host = 16;
    std::size_t max_response_bytes = 1u << 20;
    HttpTlsOptions tls;
};

struct HttpClientStats {
    std::uint64_t requests = 0;
    std::uint64_t connects = 0;  // new connections, TLS or not (requests - connects were reused)
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
