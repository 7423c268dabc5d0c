#include "jim/hooks/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <future>

#include "support/http_receiver.hpp"
#include "support/receiver_cert.hpp"

namespace jim::hooks {
namespace {

using namespace std::chrono_literals;
using testing::HttpReceiver;
using testing::ReceiverCert;

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
    EXPECT_FALSE(u->https);
}

TEST(ParseUrl, HttpsDefaultsToPort443) {
    const auto d = parse_url("https://hooks.example.com/im");
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->https);
    EXPECT_EQ(d->host, "hooks.example.com");
    EXPECT_EQ(d->port, "443");
    EXPECT_EQ(d->target, "/im");
    const auto p = parse_url("HTTPS://127.0.0.1:8443");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->https);
    EXPECT_EQ(p->port, "8443");
    EXPECT_EQ(p->target, "/");
    const auto v6 = parse_url("https://[::1]?q");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "443");
    EXPECT_EQ(v6->target, "/?q");
}

TEST(ParseUrl, RefusesWhatItCannotCall) {
    EXPECT_FALSE(parse_url(""));
    EXPECT_FALSE(parse_url("http://"));
    EXPECT_FALSE(parse_url("https://"));
    EXPECT_FALSE(parse_url("https://user@host/"));
    EXPECT_FALSE(parse_url("https:/host/"));
    EXPECT_FALSE(parse_url("httpss://host/"));
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

// https: the receiver's certificate is self-signed for DNS:localhost and IP:127.0.0.1, so the
// client trusts it only through ca_file.
HttpClientOptions trusting(const ReceiverCert& cert) {
    HttpClientOptions o;
    o.tls.ca_file = cert.ca_file();
    return o;
}

TEST(HttpsClient, PostsOverTlsAndReusesTheConnection) {
    const ReceiverCert cert;
    HttpReceiver rx(cert.tls());
    rx.set_handler([](const HttpReceiver::Received& r) {
        return HttpReceiver::Reply{200, "{\"echo\":" + r.body + "}"};
    });
    HttpClient client(trusting(cert));
    for (int i = 0; i < 3; ++i) {
        const auto r = post_and_wait(client, rx.url("/tls"), "{\"i\":" + std::to_string(i) + "}");
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_EQ(r.body, "{\"echo\":{\"i\":" + std::to_string(i) + "}}");
    }
    const auto got = rx.received();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2].target, "/tls");
    EXPECT_EQ(got[2].header("host"), "127.0.0.1:" + std::to_string(rx.port()));
    EXPECT_EQ(rx.connections(), 1u);  // one handshake, then kept alive
    EXPECT_EQ(client.stats().connects, 1u);
}

TEST(HttpsClient, AnUntrustedCertificateIsRefused) {
    const ReceiverCert cert;
    HttpReceiver rx(cert.tls());
    HttpClient client;  // the system store only
    const auto r = post_and_wait(client, rx.url(), "{}");
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.error);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.detail, "TLS handshake failed: self-signed certificate") << r.describe();
    EXPECT_EQ(r.describe(), "TLS handshake failed: self-signed certificate");
    EXPECT_EQ(rx.count(), 0u);  // the request never went out
    EXPECT_EQ(client.stats().errors, 1u);
}

TEST(HttpsClient, TheCertificateMustNameTheHost) {
    const ReceiverCert cert({"hooks.example.com"}, {});  // trusted, but not for 127.0.0.1
    HttpReceiver rx(cert.tls());
    HttpClient client(trusting(cert));
    const auto r = post_and_wait(client, rx.url(), "{}");
    EXPECT_TRUE(r.error);
    EXPECT_EQ(r.detail, "TLS handshake failed: IP address mismatch") << r.describe();
    EXPECT_EQ(rx.count(), 0u);
}

TEST(HttpsClient, HostNamesAreCheckedAgainstDnsNames) {
    const ReceiverCert cert({"localhost"}, {});
    HttpReceiver rx(cert.tls());
    HttpClient client(trusting(cert));
    // 127.0.0.1 is not in the certificate, "localhost" is: the name, not the address, counts.
    const auto by_ip = post_and_wait(client, rx.url(), "{}");
    EXPECT_EQ(by_ip.detail, "TLS handshake failed: IP address mismatch") << by_ip.describe();
    Url url = *parse_url(rx.url());
    url.host = "localhost";  // resolves to loopback; the receiver listens on 127.0.0.1 only
    std::promise<HttpResult> p;
    client.post(url, "{}", {}, 2000ms, [&p](HttpResult r) { p.set_value(std::move(r)); });
    auto f = p.get_future();
    ASSERT_EQ(f.wait_for(4s), std::future_status::ready);
    const auto by_name = f.get();
    EXPECT_TRUE(by_name.ok()) << by_name.describe();
    EXPECT_EQ(rx.count(), 1u);
}

TEST(HttpsClient, InsecureAcceptsAnyCertificate) {
    const ReceiverCert cert({"hooks.example.com"}, {});
    HttpReceiver rx(cert.tls());
    HttpClientOptions o;
    o.tls.insecure = true;
    HttpClient client(o);
    const auto r = post_and_wait(client, rx.url(), "{}");
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(rx.count(), 1u);
}

TEST(HttpsClient, AKeptAliveConnectionTheReceiverClosedIsRetriedOnANewOne) {
    const ReceiverCert cert;
    HttpReceiver rx(cert.tls());
    rx.set_handler([](const HttpReceiver::Received&) {
        HttpReceiver::Reply reply;
        reply.close = true;  // answers "keep-alive", then closes without close_notify
        return reply;
    });
    HttpClient client(trusting(cert));
    for (int i = 0; i < 2; ++i) {
        const auto r = post_and_wait(client, rx.url(), "{}");
        EXPECT_TRUE(r.ok()) << i << ": " << r.describe();
    }
    EXPECT_EQ(rx.count(), 2u);
    EXPECT_EQ(client.stats().connects, 2u);
    EXPECT_EQ(client.stats().errors, 0u);
}

TEST(HttpsClient, AnHttpOnlyReceiverIsAHandshakeError) {
    HttpReceiver rx;  // plain http on the port the https URL names
    HttpClient client;
    const auto r =
        post_and_wait(client, "https://127.0.0.1:" + std::to_string(rx.port()) + "/", "{}", 2000ms);
    EXPECT_TRUE(r.error);
    EXPECT_FALSE(r.timed_out) << r.describe();
    EXPECT_TRUE(r.detail.starts_with("TLS handshake failed: ")) << r.describe();
    EXPECT_GT(r.detail.size(), std::string_view("TLS handshake failed: ").size());
}

TEST(HttpsClient, ACaFileWithoutCertificatesIsReported) {
    const ReceiverCert cert;
    const client::testing::TempFile key_only(cert.pem.key_pem);  // PEM, but no certificate
    HttpTlsOptions tls;
    EXPECT_EQ(tls_problem(tls), "");
    tls.ca_file = key_only.path();
    EXPECT_NE(tls_problem(tls).find("ca_file " + key_only.path()), std::string::npos)
        << tls_problem(tls);
    tls.ca_file = cert.ca_file();
    EXPECT_EQ(tls_problem(tls), "");
    // A client given such a file fails each https request with the same reason.
    HttpReceiver rx(cert.tls());
    HttpClientOptions o;
    o.tls.ca_file = key_only.path();
    HttpClient client(o);
    const auto r = post_and_wait(client, rx.url(), "{}");
    EXPECT_TRUE(r.error);
    EXPECT_NE(r.detail.find("ca_file"), std::string::npos) << r.describe();
    EXPECT_EQ(rx.connections(), 0u);
}

}  // namespace
}  // namespace jim::hooks
