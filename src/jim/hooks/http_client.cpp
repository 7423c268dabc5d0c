#include "jim/hooks/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>

namespace jim::hooks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Request {
    Url url;
    std::string body;
    HttpHeaders headers;
    SteadyClock::time_point deadline;
    std::function<void(HttpResult)> done;
};

// One connection; Stream is PlainStream (http) or TlsStream (https), the only difference
// between the two paths of the client.
template <class Stream>
struct Conn {
    template <class... Args>
    explicit Conn(Args&&... args) : stream(std::forward<Args>(args)...) {}
    Stream stream;
    beast::flat_buffer buffer;
};

template <class Stream>
using IdleConns = std::vector<std::unique_ptr<Conn<Stream>>>;

struct Host {
    // The key names the scheme, so a host is http or https and one of these stays empty.
    IdleConns<PlainStream> plain_idle;
    IdleConns<TlsStream> tls_idle;
    std::size_t active = 0;
    std::deque<Request> waiting;

    template <class Stream>
    IdleConns<Stream>& idle() {
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            return tls_idle;
        } else {
            return plain_idle;
        }
    }
};

// The server closed a kept-alive connection while it sat idle: the request never reached it.
// (A TLS peer that closes without close_notify shows as stream_truncated.)
bool stale_connection(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
}

boost::system::error_code last_ssl_error() {
    return {static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()};
}

// SNI and the name the receiver's certificate must carry: the URL's host, which is a DNS name
// (SNI + host name check) or an IP address (IP check; SNI never carries an address, RFC 6066).
boost::system::error_code prepare_handshake(TlsStream& stream, const std::string& host,
                                            bool verify) {
    SSL* ssl = stream.native_handle();
    boost::system::error_code not_ip;
    asio::ip::make_address(host, not_ip);
    if (not_ip) {
        if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return last_ssl_error();
        if (verify && SSL_set1_host(ssl, host.c_str()) != 1) return last_ssl_error();
    } else if (verify && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
        return last_ssl_error();
    }
    return {};
}

// "TLS handshake failed: " and the certificate check that failed, else the TLS error.
std::string handshake_detail(TlsStream& stream, const boost::system::error_code& ec) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    return std::string("TLS handshake failed: ") +
           (verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message());
}

// The context every https connection of a client shares; nullptr and `why` when it cannot be
// made. TLS 1.2 at least; the peer is verified unless `tls.insecure`.
std::unique_ptr<asio::ssl::context> make_tls_context(const HttpTlsOptions& tls, std::string& why) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    if (tls.insecure) {
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) {
        why = "cannot use the system trust store: " + ec.message();
        return nullptr;
    }
    if (!tls.ca_file.empty()) {
        ctx->load_verify_file(tls.ca_file, ec);
        if (ec) {
            why = "ca_file " + tls.ca_file + ": no PEM certificate could be loaded (" +
                  ec.message() + ")";
            return nullptr;
        }
    }
    return ctx;
}

http::request<http::string_body> make_request(const Request& req) {
    http::request<http::string_body> msg{http::verb::post, req.url.target, 11};
    const bool default_port = req.url.port == (req.url.https ? "443" : "80");
    const bool ipv6 = req.url.host.find(':') != std::string::npos;
    std::string host = ipv6 ? '[' + req.url.host + ']' : req.url.host;
    if (!default_port) host += ':' + req.url.port;
    msg.set(http::field::host, host);
    msg.set(http::field::user_agent, "jim");
    msg.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : req.headers) msg.set(name, value);
    msg.body() = req.body;
    msg.keep_alive(true);
    msg.prepare_payload();
    return msg;
}

}  // namespace

std::optional<Url> parse_url(std::string_view text) {
    const auto has_scheme = [&](std::string_view scheme) {
        return text.size() > scheme.size() &&
               std::equal(scheme.begin(), scheme.end(), text.begin(), [](char a, char b) {
                   return a == std::tolower(static_cast<unsigned char>(b));
               });
    };
    Url url;
    if (has_scheme("https://")) {
        url.https = true;
        url.port = "443";
        text.remove_prefix(8);
    } else if (has_scheme("http://")) {
        text.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    const auto end = text.find_first_of("/?#");
    const std::string_view authority = text.substr(0, end);
    if (end != std::string_view::npos) {
        url.target.assign(text.substr(end));
        if (url.target.front() != '/') url.target.insert(0, "/");
        if (const auto hash = url.target.find('#'); hash != std::string::npos) {
            url.target.resize(hash);
        }
    }
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) != 0;
            })) {
            return std::nullopt;
        }
        if (std::stoi(std::string(port)) > 65535) return std::nullopt;
        url.port.assign(port);
    }
    url.host.assign(host);
    return url;
}

std::string tls_problem(const HttpTlsOptions& tls) {
    std::string why;
    make_tls_context(tls, why);
    return why;
}

std::string HttpResult::describe() const {
    if (timed_out) return "timed out";
    if (error) return detail.empty() ? error.message() : detail;
    return "HTTP " + std::to_string(status);
}

struct HttpClient::Impl {
    explicit Impl(HttpClientOptions o) : options(std::move(o)) {}

    HttpClientOptions options;
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::unordered_map<std::string, Host> hosts;  // "[https:]host:port"; client thread only
    std::unique_ptr<asio::ssl::context> tls;      // made at the first https request; client thread
    std::string tls_error;                        // why it could not be made
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connects{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> errors{0};
    std::thread thread;

    // Client thread: runs `req` now, or queues it behind the host's running requests.
    void start(Request req) {
        std::string key = req.url.host + ':' + req.url.port;
        if (req.url.https) key.insert(0, "https:");
        Host& host = hosts[key];
        if (host.active >= options.max_connections_per_host) {
            host.waiting.push_back(std::move(req));
            return;
        }
        ++host.active;
        spawn(std::move(key), std::move(req));
    }

    void spawn(std::string key, Request req) {
        if (req.url.https) {
            asio::co_spawn(io, run<TlsStream>(this, std::move(key), std::move(req)),
                           asio::detached);
        } else {
            asio::co_spawn(io, run<PlainStream>(this, std::move(key), std::move(req)),
                           asio::detached);
        }
    }

    template <class Stream>
    std::unique_ptr<Conn<Stream>> take_idle(const std::string& key) {
        auto& idle = hosts[key].idle<Stream>();
        if (idle.empty()) return nullptr;
        auto conn = std::move(idle.back());
        idle.pop_back();
        return conn;
    }

    // A new connection (not yet connected); nullptr with `result` filled when https has no
    // TLS context.
    template <class Stream>
    std::unique_ptr<Conn<Stream>> new_conn(HttpResult& result) {
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            if (!tls && tls_error.empty()) tls = make_tls_context(options.tls, tls_error);
            if (!tls) {
                result.error = asio::error::invalid_argument;
                result.detail = tls_error;
                return nullptr;
            }
            return std::make_unique<Conn<Stream>>(io, *tls);
        } else {
            return std::make_unique<Conn<Stream>>(io);
        }
    }

    // A request of `key` has ended: start the next waiting ones (or time them out).
    void finished(const std::string& key) {
        Host& host = hosts[key];
        --host.active;
        while (!host.waiting.empty() && host.active < options.max_connections_per_host) {
            Request next = std::move(host.waiting.front());
            host.waiting.pop_front();
            if (SteadyClock::now() >= next.deadline) {
                timeouts.fetch_add(1, std::memory_order_relaxed);
                HttpResult r;
                r.error = beast::error::timeout;
                r.timed_out = true;
                next.done(std::move(r));
                continue;
            }
            ++host.active;
            spawn(key, std::move(next));
        }
    }

    // One request on an idle or a new connection. Arguments by value (CONVENTIONS: coroutines).
    template <class Stream>
    static asio::awaitable<void> run(Impl* self, std::string key, Request req) {
        HttpResult result;
        bool keep = false;
        std::unique_ptr<Conn<Stream>> conn = self->take_idle<Stream>(key);
        for (int attempt = 0; attempt < 2; ++attempt) {
            const bool reused = conn != nullptr;
            if (!conn) {
                conn = self->new_conn<Stream>(result);
                if (!conn) break;
                tcp::resolver resolver(self->io);
                auto [rec, endpoints] =
                    co_await resolver.async_resolve(req.url.host, req.url.port, kTuple);
                if (rec) {
                    result.error = rec;
                    break;
                }
                auto& socket = beast::get_lowest_layer(conn->stream);
                socket.expires_at(req.deadline);
                self->connects.fetch_add(1, std::memory_order_relaxed);
                auto [cec, ep] = co_await socket.async_connect(endpoints, kTuple);
                if (cec) {
                    result.error = cec;
                    break;
                }
                if constexpr (std::is_same_v<Stream, TlsStream>) {
                    auto hec =
                        prepare_handshake(conn->stream, req.url.host, !self->options.tls.insecure);
                    if (!hec) {
                        std::tie(hec) = co_await conn->stream.async_handshake(
                            asio::ssl::stream_base::client, kTuple);
                    }
                    if (hec) {
                        result.error = hec;
                        result.detail = handshake_detail(conn->stream, hec);
                        break;
                    }
                }
            }
            beast::get_lowest_layer(conn->stream).expires_at(req.deadline);
            auto msg = make_request(req);
            auto [wec, written] = co_await http::async_write(conn->stream, msg, kTuple);
            boost::system::error_code ec = wec;
            http::response_parser<http::string_body> parser;
            parser.body_limit(self->options.max_response_bytes);
            if (!ec) {
                auto [rec, read] =
                    co_await http::async_read(conn->stream, conn->buffer, parser, kTuple);
                ec = rec;
            }
            if (!ec) {
                result.status = parser.get().result_int();
                result.body = std::move(parser.get().body());
                keep = parser.get().keep_alive();
                break;
            }
            if (reused && attempt == 0 && stale_connection(ec)) {
                conn.reset();
                continue;
            }
            result.error = ec;
            break;
        }
        if (result.error == beast::error::timeout) {
            result.timed_out = true;
            self->timeouts.fetch_add(1, std::memory_order_relaxed);
        } else if (result.error) {
            self->errors.fetch_add(1, std::memory_order_relaxed);
        }
        if (!result.error && keep) {
            auto& idle = self->hosts[key].idle<Stream>();
            if (idle.size() < self->options.max_idle_per_host) {
                beast::get_lowest_layer(conn->stream).expires_never();
                idle.push_back(std::move(conn));
            }
        }
        self->finished(key);
        req.done(std::move(result));
    }
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

HttpClient::~HttpClient() {
    impl_->guard.reset();
    impl_->io.stop();
    impl_->thread.join();
}

void HttpClient::post(const Url& url, std::string body, HttpHeaders headers,
                      std::chrono::milliseconds timeout, std::function<void(HttpResult)> done) {
    impl_->requests.fetch_add(1, std::memory_order_relaxed);
    Request req{url, std::move(body), std::move(headers), SteadyClock::now() + timeout,
                std::move(done)};
    asio::post(impl_->io, [impl = impl_.get(), req = std::move(req)]() mutable {
        impl->start(std::move(req));
    });
}

HttpClientStats HttpClient::stats() const noexcept {
    return {impl_->requests.load(std::memory_order_relaxed),
            impl_->connects.load(std::memory_order_relaxed),
            impl_->timeouts.load(std::memory_order_relaxed),
            impl_->errors.load(std::memory_order_relaxed)};
}

}  // namespace jim::hooks
