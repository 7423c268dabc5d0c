#pragma once
// Boots the real server in-process on 127.0.0.1, port 0, and connects clients to it with the
// project's client library (CONVENTIONS: nats test helpers).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/net/server.hpp"
#include "jim/store/message_store.hpp"
#include "support/eventually.hpp"

namespace jim::testing {

using namespace std::chrono_literals;
using client::Frame;
using client::TcpClient;

inline constexpr auto kWait = 3000ms;  // upper bound for something that must happen
inline constexpr auto kQuiet = 200ms;  // how long we listen to show something does not happen

class ServerTest : public ::testing::Test {
  protected:
    // Tests adjust options before calling start() (SetUp starts with the defaults).
    void SetUp() override { start(net::ServerOptions{}); }
    void TearDown() override { stop(); }

    // Every test runs with a store (the memory engine unless a test picks another), so the
    // asynchronous store-then-deliver path is what the tests exercise.
    void start(net::ServerOptions options) {
        stop();
        options.host = "127.0.0.1";
        options.port = 0;
        if (options.workers == 0) options.workers = 2;  // cross-worker delivery is always exercised
        if (!auth_) auth_ = auth::make_open_authenticator();
        if (!store_ && store_engine_ != "none") {
            store::StoreOptions so;
            so.engine = store_engine_;
            so.path = store_path_;
            store_ = store::open_store(so);
        }
        server_ = std::make_unique<net::Server>(options, *auth_, clock(), store_.get());
        server_->start();
    }
    // Stops the server; the store's pending completions are drained before the server goes.
    void stop() {
        if (server_) server_->stop();
        if (store_) store_->drain();
        server_.reset();
    }
    // Picks the engine for the next start(); "none" runs without a store. Drops the old store.
    void use_store(const std::string& engine, const std::string& path = {}) {
        stop();
        store_.reset();
        store_engine_ = engine;
        store_path_ = path;
    }
    void use_authenticator(std::unique_ptr<auth::Authenticator> a) { auth_ = std::move(a); }
    // The server's clock for the next start(): a ManualClock makes time-bound rules testable.
    void use_clock(const Clock& c) { clock_override_ = &c; }
    const Clock& clock() const { return clock_override_ != nullptr ? *clock_override_ : clock_; }

    TcpClient connect() {
        auto c = TcpClient::connect("127.0.0.1", server_->port(), kWait);
        EXPECT_TRUE(c.has_value()) << "connect failed";
        return std::move(*c);
    }
    TcpClient login(const std::string& user) {
        TcpClient c = connect();
        const auto reply = c.login(user, "123", kWait);
        EXPECT_TRUE(reply.has_value());
        EXPECT_EQ(client::status_code(reply.value_or("")), 10007) << reply.value_or("");
        return c;
    }
    // A WebSocket session logged in by J-IM's query (?username=&password=), checked for 10007.
    client::WsClient ws_login(const std::string& user) {
        auto c = client::WsClient::connect("127.0.0.1", server_->port(),
                                           "/?username=" + user + "&password=123", kWait);
        EXPECT_TRUE(c.has_value());
        EXPECT_EQ(client::status_code(c->read_text_until(6, kWait).value_or("")), 10007);
        return std::move(*c);
    }

    // Polls until pred() holds or the deadline passes (no sleeps standing in for waits).
    template <class Pred>
    static bool eventually(Pred pred, std::chrono::milliseconds limit = kWait) {
        return testing::eventually(pred, limit);
    }

    net::Server& server() { return *server_; }

    SystemClock clock_;
    const Clock* clock_override_ = nullptr;
    std::unique_ptr<auth::Authenticator> auth_;
    std::string store_engine_ = "memory";
    std::string store_path_;
    std::unique_ptr<store::MessageStore> store_;  // outlives server_ (declared before it)
    std::unique_ptr<net::Server> server_;
};

// A private chat body as a J-IM client sends it.
inline std::string chat_json(const std::string& from, const std::string& to,
                             const std::string& content) {
    std::string s =
        R"({"cmd":11,"chatType":2,"msgType":0,"to":")" + to + R"(","content":")" + content + "\"";
    if (!from.empty()) s += R"(,"from":")" + from + "\"";
    return s + "}";
}

}  // namespace jim::testing
