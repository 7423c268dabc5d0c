#include "jim/hooks/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
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

#include <algorithm>
#include <cctype>
#include <deque>
#include <thread>
#include <unordered_map>

namespace jim::hooks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Request {
    Url url;
    std::string body;
    HttpHeaders headers;
    SteadyClock::time_point deadline;
    std::function<void(HttpResult)> done;
};

struct Conn {
    explicit Conn(asio::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
};

struct Host {
    std::vector<std::unique_ptr<Conn>> idle;
    std::size_t active = 0;
    std::deque<Request> waiting;
};

// The server closed a kept-alive connection while it sat idle: the request never reached it.
bool stale_connection(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

http::request<http::string_body> make_request(const Request& req) {
    http::request<http::string_body> msg{http::verb::post, req.url.target, 11};
    msg.set(http::field::host,
            req.url.port == "80" ? req.url.host : req.url.host + ':' + req.url.port);
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
    constexpr std::string_view kScheme = "http://";
    if (text.size() <= kScheme.size() ||
        !std::equal(kScheme.begin(), kScheme.end(), text.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        return std::nullopt;
    }
    text.remove_prefix(kScheme.size());
    const auto end = text.find_first_of("/?#");
    const std::string_view authority = text.substr(0, end);
    Url url;
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

std::string HttpResult::describe() const {
    if (timed_out) return "timed out";
    if (error) return error.message();
    return "HTTP " + std::to_string(status);
}

struct HttpClient::Impl {
    explicit Impl(HttpClientOptions o) : options(o) {}

    HttpClientOptions options;
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::unordered_map<std::string, Host> hosts;  // "host:port"; client thread only
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connects{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> errors{0};
    std::thread thread;

    // Client thread: runs `req` now, or queues it behind the host's running requests.
    void start(Request req) {
        std::string key = req.url.host + ':' + req.url.port;
        Host& host = hosts[key];
        if (host.active >= options.max_connections_per_host) {
            host.waiting.push_back(std::move(req));
            return;
        }
        ++host.active;
        asio::co_spawn(io, run(this, std::move(key), std::move(req)), asio::detached);
    }

    std::unique_ptr<Conn> take_idle(const std::string& key) {
        auto& idle = hosts[key].idle;
        if (idle.empty()) return nullptr;
        auto conn = std::move(idle.back());
        idle.pop_back();
        return conn;
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
            asio::co_spawn(io, run(this, key, std::move(next)), asio::detached);
        }
    }

    // One request on an idle or a new connection. Arguments by value (CONVENTIONS: coroutines).
    static asio::awaitable<void> run(Impl* self, std::string key, Request req) {
        HttpResult result;
        bool keep = false;
        std::unique_ptr<Conn> conn = self->take_idle(key);
        for (int attempt = 0; attempt < 2; ++attempt) {
            const bool reused = conn != nullptr;
            if (!conn) {
                conn = std::make_unique<Conn>(self->io);
                tcp::resolver resolver(self->io);
                auto [rec, endpoints] =
                    co_await resolver.async_resolve(req.url.host, req.url.port, kTuple);
                if (rec) {
                    result.error = rec;
                    break;
                }
                conn->stream.expires_at(req.deadline);
                self->connects.fetch_add(1, std::memory_order_relaxed);
                auto [cec, ep] = co_await conn->stream.async_connect(endpoints, kTuple);
                if (cec) {
                    result.error = cec;
                    break;
                }
            }
            conn->stream.expires_at(req.deadline);
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
            auto& idle = self->hosts[key].idle;
            if (idle.size() < self->options.max_idle_per_host) {
                conn->stream.expires_never();
                idle.push_back(std::move(conn));
            }
        }
        self->finished(key);
        req.done(std::move(result));
    }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(options)) {
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
