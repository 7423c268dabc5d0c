// auth.mode = "webhook" (issue P7 §1): the business backend, a receiver in the test, decides
// each login; the worker never waits for it. A backend that is down gives a clear refusal.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>

#include "client/ws_client.hpp"
#include "jim/hooks/auth_webhook.hpp"
#include "server_fixture.hpp"
#include "support/http_receiver.hpp"
#include "support/receiver_cert.hpp"

namespace jim::testing {
namespace {

class AuthWebhookTest : public ServerTest {
  protected:
    void SetUp() override { rx_.set_handler(&decide); }
    // The backend's rule: password "good" logs in, "slow" answers too late, others are refused.
    static HttpReceiver::Reply decide(const HttpReceiver::Received& r) {
        const auto v = boost::json::parse(r.body);
        if (v.at("password").as_string() == "slow") return HttpReceiver::Reply{200, "{}", 3000ms};
        if (v.at("password").as_string() != "good") {
            return HttpReceiver::Reply{200, R"({"ok":false,"reason":"wrong password"})"};
        }
        return HttpReceiver::Reply{200, R"({"ok":true,"nick":"Alice A."})"};
    }
    void start_with(const std::string& url, std::chrono::milliseconds timeout = 1000ms,
                    hooks::HttpTlsOptions tls = {}) {
        hooks::AuthWebhookOptions o;
        o.url = *hooks::parse_url(url);
        o.timeout = timeout;
        o.tls = std::move(tls);
        auto a = std::make_unique<hooks::WebhookAuthenticator>(o, clock_);
        authenticator_ = a.get();
        use_authenticator(std::move(a));
        start(net::ServerOptions{});
    }
    std::optional<std::string> try_login(TcpClient& c, const std::string& user,
                                         const std::string& password) {
        return c.login(user, password, kWait);
    }

    void TearDown() override {
        if (server_) server_->stop();  // then the client's thread ends while the workers exist
        authenticator_ = nullptr;
        auth_.reset();
        stop();
    }

    HttpReceiver rx_;
    hooks::WebhookAuthenticator* authenticator_ = nullptr;
};

TEST_F(AuthWebhookTest, TheBackendAcceptsAndItsAnswerIsCached) {
    start_with(rx_.url("/login"));
    TcpClient a = connect();
    const auto reply = try_login(a, "alice", "good");
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(*reply), 10007) << *reply;
    EXPECT_NE(reply->find("Alice A."), std::string::npos) << *reply;  // the backend's nick
    const auto asked = rx_.received();
    ASSERT_EQ(asked.size(), 1u);
    const auto v = boost::json::parse(asked[0].body);
    EXPECT_EQ(v.at("userId").as_string(), "alice");
    EXPECT_EQ(v.at("password").as_string(), "good");
    // A second device with the same credentials is answered from the cache.
    TcpClient b = connect();
    const auto again = try_login(b, "alice", "good");
    ASSERT_TRUE(again);
    EXPECT_EQ(client::status_code(*again), 10007);
    EXPECT_EQ(rx_.count(), 1u);
    EXPECT_EQ(authenticator_->stats().cache_hits, 1u);
    // The session works: it can chat with the other device's user.
    const auto ack = a.chat("alice", "note to self", kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(*ack), 10000);
}

TEST_F(AuthWebhookTest, TheBackendRefusesWithItsReason) {
    start_with(rx_.url("/login"));
    TcpClient c = connect();
    const auto reply = try_login(c, "alice", "bad");
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(*reply), 10008) << *reply;
    EXPECT_NE(reply->find("wrong password"), std::string::npos) << *reply;
    EXPECT_TRUE(c.wait_closed(kWait));
}

TEST_F(AuthWebhookTest, ABackendThatIsDownGivesAClearError) {
    std::uint16_t port = 0;
    {  // a port with no listener
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = acc.local_endpoint().port();
    }
    start_with("http://127.0.0.1:" + std::to_string(port) + "/login");
    TcpClient c = connect();
    const auto reply = try_login(c, "alice", "good");
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(*reply), 10008) << *reply;
    EXPECT_NE(reply->find("authentication service unavailable"), std::string::npos) << *reply;
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_EQ(authenticator_->stats().unavailable, 1u);
}

TEST_F(AuthWebhookTest, ASlowBackendTimesOutAndOtherSessionsAreServedMeanwhile) {
    start_with(rx_.url("/login"), 300ms);
    TcpClient slow = connect();
    ASSERT_TRUE(slow.send(5, R"({"cmd":5,"userId":"bob","password":"slow"})"));
    // While bob's login waits for the backend, the same workers serve alice.
    TcpClient alice = connect();
    const auto ok = try_login(alice, "alice", "good");
    ASSERT_TRUE(ok);
    EXPECT_EQ(client::status_code(*ok), 10007);
    const auto reply = slow.read_until(6, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(reply->body), 10008) << reply->body;
    EXPECT_NE(reply->body.find("timed out"), std::string::npos) << reply->body;
}

// J-IM's WebSocket login by query goes through the same asynchronous path.
TEST_F(AuthWebhookTest, WebSocketQueryLoginIsDecidedByTheBackend) {
    start_with(rx_.url("/login"));
    auto ok = client::WsClient::connect("127.0.0.1", server().port(),
                                        "/?username=alice&password=good", kWait);
    ASSERT_TRUE(ok);
    const auto reply = ok->read_text_until(6, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(*reply), 10007) << *reply;
    auto bad = client::WsClient::connect("127.0.0.1", server().port(),
                                         "/?username=bob&password=bad", kWait);
    ASSERT_TRUE(bad);
    const auto refused = bad->read_text_until(6, kWait);
    ASSERT_TRUE(refused);
    EXPECT_EQ(client::status_code(*refused), 10008) << *refused;
    EXPECT_NE(refused->find("wrong password"), std::string::npos) << *refused;
}

// A backend reachable over https only (the usual case), trusted through hooks.tls.ca_file.
TEST_F(AuthWebhookTest, AnHttpsBackendWithATrustedCertificateDecides) {
    const ReceiverCert cert;
    HttpReceiver https(cert.tls());
    https.set_handler(&decide);
    hooks::HttpTlsOptions tls;
    tls.ca_file = cert.ca_file();
    start_with(https.url("/login"), 1000ms, tls);
    TcpClient a = connect();
    const auto ok = try_login(a, "alice", "good");
    ASSERT_TRUE(ok);
    EXPECT_EQ(client::status_code(*ok), 10007) << *ok;
    EXPECT_NE(ok->find("Alice A."), std::string::npos) << *ok;
    TcpClient b = connect();
    const auto bad = try_login(b, "bob", "bad");
    ASSERT_TRUE(bad);
    EXPECT_EQ(client::status_code(*bad), 10008) << *bad;
    EXPECT_NE(bad->find("wrong password"), std::string::npos) << *bad;
    EXPECT_EQ(https.count(), 2u);
    EXPECT_EQ(https.connections(), 1u);  // the second login reused the TLS connection
}

// A certificate that does not verify refuses the login with the reason, like a backend that is
// down, and the credentials never leave the server.
TEST_F(AuthWebhookTest, AnUntrustedCertificateGivesAClearError) {
    const ReceiverCert cert;
    HttpReceiver https(cert.tls());
    https.set_handler(&decide);
    start_with(https.url("/login"));  // the system trust store only
    TcpClient c = connect();
    const auto reply = try_login(c, "alice", "good");
    ASSERT_TRUE(reply);
    EXPECT_EQ(client::status_code(*reply), 10008) << *reply;
    EXPECT_NE(reply->find("authentication service unavailable (TLS handshake failed: "
                          "self-signed certificate"),
              std::string::npos)
        << *reply;
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_EQ(authenticator_->stats().unavailable, 1u);
    EXPECT_EQ(https.count(), 0u);
}

}  // namespace
}  // namespace jim::testing
