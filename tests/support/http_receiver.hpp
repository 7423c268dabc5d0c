#pragma once
// A local HTTP/1.1 server for tests that check what jim sends out (webhooks, the moderation
// hook, webhook authentication): it listens on 127.0.0.1 on a free port, records every request
// and answers through a handler the test sets (status, body, an optional delay). Kept-alive
// connections are served one request at a time, as a real receiver would. Given a certificate
// and key it speaks https instead (TLS 1.2+), to test the client's TLS path.
// Thread: its own; every public member may be called from any thread.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jim::testing {

class HttpReceiver {
  public:
    struct Received {
        std::string target;
        std::map<std::string, std::string> headers;  // names in lower case
        std::string body;
        std::string header(const std::string& name) const {
            const auto it = headers.find(name);
            return it == headers.end() ? std::string() : it->second;
        }
    };
    struct Reply {
        int status = 200;
        std::string body = "{}";
        std::chrono::milliseconds delay{0};  // wait this long before answering
        bool close = false;  // close the connection after answering, though it said keep-alive
    };
    struct Tls {
        std::string cert_pem;  // e.g. from client::testing::make_self_signed_certificate()
        std::string key_pem;
    };
    using Handler = std::function<Reply(const Received&)>;

    // `record`: keep every request for received() (a benchmark counts them only).
    explicit HttpReceiver(bool record = true)
        : record_(record), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        boost::asio::co_spawn(io_, accept_loop(this), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    // An https receiver presenting `tls.cert_pem`.
    explicit HttpReceiver(const Tls& tls, bool record = true)
        : record_(record),
          tls_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server)),
          acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
        tls_->use_certificate_chain(boost::asio::buffer(tls.cert_pem));
        tls_->use_private_key(boost::asio::buffer(tls.key_pem), boost::asio::ssl::context::pem);
        boost::asio::co_spawn(io_, accept_loop(this), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~HttpReceiver() {
        guard_.reset();
        io_.stop();
        thread_.join();
    }
    HttpReceiver(const HttpReceiver&) = delete;
    HttpReceiver& operator=(const HttpReceiver&) = delete;

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url(const std::string& path = "/") const {
        return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port()) + path;
    }
    void set_handler(Handler h) {
        std::lock_guard lock(mu_);
        handler_ = std::move(h);
    }
    std::vector<Received> received() const {
        std::lock_guard lock(mu_);
        return received_;
    }
    std::size_t count() const {
        std::lock_guard lock(mu_);
        return count_;
    }
    std::size_t connections() const { return connections_.load(); }

  private:
    using Tcp = boost::asio::ip::tcp;
    static constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

    static boost::asio::awaitable<void> accept_loop(HttpReceiver* self) {
        for (;;) {
            auto [ec, socket] = co_await self->acceptor_.async_accept(kTuple);
            if (ec) co_return;
            ++self->connections_;
            if (self->tls_) {
                boost::asio::co_spawn(self->io_, serve_tls(self, std::move(socket)),
                                      boost::asio::detached);
            } else {
                boost::asio::co_spawn(self->io_, serve_plain(self, std::move(socket)),
                                      boost::asio::detached);
            }
        }
    }

    static boost::asio::awaitable<void> serve_plain(HttpReceiver* self, Tcp::socket socket) {
        boost::beast::tcp_stream stream(std::move(socket));
        co_await serve(self, stream);
    }

    // A client that refuses the certificate ends the handshake: nothing is recorded.
    static boost::asio::awaitable<void> serve_tls(HttpReceiver* self, Tcp::socket socket) {
        boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(socket), *self->tls_);
        boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        auto [ec] = co_await stream.async_handshake(boost::asio::ssl::stream_base::server, kTuple);
        if (ec) co_return;
        boost::beast::get_lowest_layer(stream).expires_never();
        co_await serve(self, stream);
    }

    template <class Stream>
    static boost::asio::awaitable<void> serve(HttpReceiver* self, Stream& stream) {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(stream, buffer, req, kTuple);
            if (ec) co_return;
            Received r;
            r.target = std::string(req.target());
            for (const auto& f : req) {
                std::string name(f.name_string());
                std::transform(name.begin(), name.end(), name.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                r.headers[name] = std::string(f.value());
            }
            r.body = req.body();
            Reply reply;
            {
                std::lock_guard lock(self->mu_);
                ++self->count_;
                if (self->record_) self->received_.push_back(r);
                if (self->handler_) reply = self->handler_(r);
            }
            if (reply.delay.count() > 0) {
                boost::asio::steady_timer timer(self->io_, reply.delay);
                co_await timer.async_wait(kTuple);
            }
            http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
            res.set(http::field::content_type, "application/json");
            res.body() = reply.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [wec, w] = co_await http::async_write(stream, res, kTuple);
            if (wec || !req.keep_alive() || reply.close) co_return;
        }
    }

    const bool record_;
    std::unique_ptr<boost::asio::ssl::context> tls_;  // null: plain http
    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
        io_.get_executor()};
    Tcp::acceptor acceptor_;
    std::thread thread_;
    mutable std::mutex mu_;
    Handler handler_;
    std::vector<Received> received_;
    std::size_t count_ = 0;
    std::atomic<std::size_t> connections_{0};
};

}  // namespace jim::testing
