#include "jim/hooks/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <future>

#include "support/http_receiver.hpp"

namespace jim::hooks {
namespace {

using namespace std::chrono_literals;
using testing::HttpReceiver;

// Posts and waits for the callback (bounded: the client guarantees it by the timeout).
HttpResult post_and_wait(HttpClient& client, const std::string& url, std::string body,
                         std::chrono::milliseconds timeout = 2000ms, HttpHeaders headers = {}) {
    std::promise<HttpResult> p;
    auto f = p.get_future();
    client.post(*parse_url(url), std::move(body), std::move(headers), timeout,
                [&p](HttpResult r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(timeout + 2s), std::future_status::ready);
    return f.get();
}

TEST(ParseUrl, SplitsHostPortAndTarget) {
    const auto u = parse_url("http://127.0.0.1:8080/hooks/im?x=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, "8080");
    EXPECT_EQ(u->target, "/hooks/im?x=1");
    const auto d = parse_url("HTTP://example.com");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->host, "example.com");
    EXPECT_EQ(d->port, "80");
    EXPECT_EQ(d->target, "/");
    const auto v6 = parse_url("http://[::1]:9000/x");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "9000");
}

TEST(ParseUrl, RefusesWhatItCannotCall) {
    EXPECT_FALSE(parse_url(""));
    EXPECT_FALSE(parse_url("https://example.com/"));
    EXPECT_FALSE(parse_url("http://"));
    EXPECT_FALSE(parse_url("http://:80/"));
    EXPECT_FALSE(parse_url("http://host:99999/"));
    EXPECT_FALSE(parse_url("http://host:8a/"));
    EXPECT_FALSE(parse_url("http://user@host/"));
    EXPECT_FALSE(parse_url("ftp://host/"));
}

TEST(HttpClient, PostsJsonAndReturnsTheReply) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received& r) {
        return HttpReceiver::Reply{201, "{\"echo\":" + r.body + "}"};
    });
    HttpClient client;
    const auto r = post_and_wait(client, rx.url("/in"), "{\"a\":1}", 2000ms, {{"X-Test", "yes"}});
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "{\"echo\":{\"a\":1}}");
    const auto got = rx.received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].target, "/in");
    EXPECT_EQ(got[0].header("content-type"), "application/json");
    EXPECT_EQ(got[0].header("x-test"), "yes");
    EXPECT_EQ(got[0].body, "{\"a\":1}");
}

TEST(HttpClient, ReusesTheConnection) {
    HttpReceiver rx;
    HttpClient client;
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(post_and_wait(client, rx.url(), "{}").ok());
    }
    EXPECT_EQ(rx.count(), 5u);
    EXPECT_EQ(rx.connections(), 1u);
    EXPECT_EQ(client.stats().connects, 1u);
    EXPECT_EQ(client.stats().requests, 5u);
}

TEST(HttpClient, ErrorStatusIsNotOk) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) { return HttpReceiver::Reply{500, "{}"}; });
    HttpClient client;
    const auto r = post_and_wait(client, rx.url(), "{}");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.describe(), "HTTP 500");
}

TEST(HttpClient, TimesOutASlowReceiver) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, "{}", 3000ms};
    });
    HttpClient client;
    const auto start = std::chrono::steady_clock::now();
    const auto r = post_and_wait(client, rx.url(), "{}", 150ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(r.timed_out);
    EXPECT_FALSE(r.ok());
    EXPECT_LT(took, 2000ms);  // the deadline, not the receiver, ended it
    EXPECT_EQ(client.stats().timeouts, 1u);
}

TEST(HttpClient, RefusedConnectionIsAnError) {
    std::uint16_t port = 0;
    {  // a port that was free a moment ago and has no listener now
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    HttpClient client;
    const auto r =
        post_and_wait(client, "http://127.0.0.1:" + std::to_string(port) + "/", "{}", 1000ms);
    EXPECT_TRUE(r.error);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(client.stats().errors, 1u);
}

TEST(HttpClient, BoundsConnectionsPerHostAndQueuesTheRest) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, "{}", 50ms};
    });
    HttpClientOptions o;
    o.max_connections_per_host = 2;
    HttpClient client(o);
    std::vector<std::future<HttpResult>> results;
    std::vector<std::promise<HttpResult>> promises(6);
    for (auto& p : promises) {
        results.push_back(p.get_future());
        client.post(*parse_url(rx.url()), "{}", {}, 3000ms,
                    [&p](HttpResult r) { p.set_value(std::move(r)); });
    }
    for (auto& f : results) {
        ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
        EXPECT_TRUE(f.get().ok());
    }
    EXPECT_EQ(rx.count(), 6u);
    EXPECT_EQ(rx.connections(), 2u);
}

TEST(HttpClient, QueuedRequestsTimeOutByTheirDeadline) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, "{}", 400ms};
    });
    HttpClientOptions o;
    o.max_connections_per_host = 1;
    HttpClient client(o);
    std::promise<HttpResult> first;
    std::promise<HttpResult> second;
    client.post(*parse_url(rx.url()), "{}", {}, 2000ms,
                [&](HttpResult r) { first.set_value(std::move(r)); });
    client.post(*parse_url(rx.url()), "{}", {}, 100ms,
                [&](HttpResult r) { second.set_value(std::move(r)); });
    auto f1 = first.get_future();
    auto f2 = second.get_future();
    ASSERT_EQ(f2.wait_for(3s), std::future_status::ready);
    EXPECT_TRUE(f2.get().timed_out);
    ASSERT_EQ(f1.wait_for(3s), std::future_status::ready);
    EXPECT_TRUE(f1.get().ok());
}

}  // namespace
}  // namespace jim::hooks
