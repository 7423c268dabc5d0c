// Event webhooks (issue P8 §1) end to end: a real server publishes into hooks::Webhooks, which
// POSTs to a receiver running in the test on loopback.

#include <boost/json/parse.hpp>

#include "jim/hooks/signature.hpp"
#include "jim/hooks/webhooks.hpp"
#include "server_fixture.hpp"
#include "support/http_receiver.hpp"
#include "support/receiver_cert.hpp"

namespace jim::testing {
namespace {

using service::EventType;

constexpr std::string_view kSecret = "integration-secret";

struct Event {
    std::string type;
    boost::json::object data;
};

class WebhookTest : public ServerTest {
  protected:
    void SetUp() override {}  // each test starts the server with its own webhook options

    void start_with(hooks::WebhookOptions o) {
        o.url = *hooks::parse_url(rx_->url("/jim/events"));
        o.secret = std::string(kSecret);
        o.backoff = 20ms;
        webhooks_ = std::make_unique<hooks::Webhooks>(o, clock_);
        net::ServerOptions so;
        so.events = webhooks_.get();
        start(so);
    }
    void TearDown() override {
        if (server_) server_->stop();
        webhooks_.reset();
        stop();
    }

    // Every event received so far, in order; each request's signature is checked on the way.
    std::vector<Event> events() {
        std::vector<Event> out;
        for (const auto& r : rx_->received()) {
            EXPECT_EQ(r.header("x-jim-signature"), hooks::signature_header(kSecret, r.body));
            const auto v = boost::json::parse(r.body);
            for (const auto& e : v.at("events").as_array()) {
                out.push_back({std::string(e.at("type").as_string()), e.at("data").as_object()});
            }
        }
        return out;
    }
    std::optional<Event> find_event(const std::string& type, const std::string& user) {
        for (auto& e : events()) {
            if (e.type != type) continue;
            const auto* u = e.data.if_contains("userId");
            if (u != nullptr && u->as_string() == user) return e;
            const auto* us = e.data.if_contains("userIds");
            if (us != nullptr) {
                for (const auto& x : us->as_array()) {
                    if (x.as_string() == user) return e;
                }
            }
        }
        return std::nullopt;
    }

    std::unique_ptr<HttpReceiver> rx_ = std::make_unique<HttpReceiver>();  // a test may swap it
    std::unique_ptr<hooks::Webhooks> webhooks_;
};

hooks::WebhookOptions all_events() {
    hooks::WebhookOptions o;
    o.events = hooks::event_mask(
        {"user.online", "user.offline", "message.offline", "message", "group.join", "group.leave"});
    return o;
}

TEST_F(WebhookTest, OnlineAndOfflineEventsCarryTheTerminalAndAValidSignature) {
    start_with(all_events());
    {
        TcpClient alice = login("alice");
        ASSERT_TRUE(eventually([&] { return find_event("user.online", "alice").has_value(); }));
    }  // closing the connection ends the session
    ASSERT_TRUE(eventually([&] { return find_event("user.offline", "alice").has_value(); }));
    const auto on = find_event("user.online", "alice");
    EXPECT_EQ(on->data.at("terminal").as_string(), "tcp");
    EXPECT_EQ(on->data.at("sessions").as_int64(), 1);
    const auto off = find_event("user.offline", "alice");
    EXPECT_EQ(off->data.at("terminal").as_string(), "tcp");
    EXPECT_EQ(off->data.at("sessions").as_int64(), 0);
    EXPECT_EQ(webhooks_->stats().failed, 0u);
}

TEST_F(WebhookTest, AMessageForAnOfflineUserBecomesAnOfflineMessageEvent) {
    start_with(all_events());
    TcpClient alice = login("alice");
    const auto ack = alice.chat("bob", "are you there", kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(*ack), 10001);  // bob is offline
    ASSERT_TRUE(eventually([&] { return find_event("message.offline", "bob").has_value(); }));
    const auto e = find_event("message.offline", "bob");
    const auto& msg = e->data.at("message").as_object();
    EXPECT_EQ(msg.at("from").as_string(), "alice");
    EXPECT_EQ(msg.at("content").as_string(), "are you there");
    EXPECT_EQ(msg.at("seq").as_int64(), 1);
    // "message" (archiving) sees it too; an online receiver gets no offline-message event.
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.chat("bob", "hello again", kWait));
    ASSERT_TRUE(eventually([&] {
        int messages = 0;
        for (const auto& ev : events()) messages += ev.type == "message" ? 1 : 0;
        return messages == 2;
    }));
    int offline = 0;
    for (const auto& ev : events()) offline += ev.type == "message.offline" ? 1 : 0;
    EXPECT_EQ(offline, 1);
}

TEST_F(WebhookTest, GroupMembershipChangesAreEvents) {
    start_with(all_events());
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"g1"})"));
    ASSERT_TRUE(alice.read_until(8, kWait));
    ASSERT_TRUE(alice.send(21, R"({"cmd":21,"groupId":"g1"})"));
    ASSERT_TRUE(alice.read_until(22, kWait));
    ASSERT_TRUE(eventually([&] { return find_event("group.leave", "alice").has_value(); }));
    const auto join = find_event("group.join", "alice");
    ASSERT_TRUE(join);
    EXPECT_EQ(join->data.at("groupId").as_string(), "g1");
}

TEST_F(WebhookTest, ABatchIsRetriedAfterA500) {
    std::atomic<int> calls{0};
    rx_->set_handler([&](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{++calls == 1 ? 500 : 200, "{}"};
    });
    start_with(all_events());
    TcpClient alice = login("alice");
    ASSERT_TRUE(eventually([&] { return webhooks_->stats().delivered >= 1; }));
    const auto got = rx_->received();
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got[0].body, got[1].body);  // the same batch again
    EXPECT_EQ(webhooks_->stats().retries, 1u);
    EXPECT_TRUE(find_event("user.online", "alice"));
}

// A receiver that never answers: the queue fills, overflow is dropped and counted, and every
// chat message is still acknowledged and delivered.
TEST_F(WebhookTest, OverflowIsCountedAndChatIsUnaffected) {
    rx_->set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, "{}", 10000ms};
    });
    auto o = all_events();
    o.queue_max = 20;
    o.timeout = 5000ms;
    start_with(o);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    constexpr int kMessages = 200;
    for (int i = 0; i < kMessages; ++i) {
        const auto ack = alice.chat("bob", "m" + std::to_string(i), kWait);
        ASSERT_TRUE(ack) << i;
        ASSERT_EQ(client::status_code(*ack), 10000) << *ack;
    }
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(bob.read_until(11, kWait)) << i;
    const auto s = webhooks_->stats();
    EXPECT_GE(s.dropped, static_cast<std::uint64_t>(kMessages - 20 - 100));
    EXPECT_EQ(s.delivered, 0u);
    EXPECT_LE(s.queued, 20u);
}

// A receiver reachable over https only, trusted through the CA file (hooks.tls.ca_file): the
// events arrive signed as over http.
TEST_F(WebhookTest, EventsAreDeliveredOverHttpsWithAValidSignature) {
    const ReceiverCert cert;
    rx_ = std::make_unique<HttpReceiver>(cert.tls());
    auto o = all_events();
    o.tls.ca_file = cert.ca_file();
    start_with(o);
    ASSERT_TRUE(webhooks_ != nullptr);
    {
        TcpClient alice = login("alice");
        ASSERT_TRUE(eventually([&] { return find_event("user.online", "alice").has_value(); }));
    }
    ASSERT_TRUE(eventually([&] { return find_event("user.offline", "alice").has_value(); }));
    EXPECT_FALSE(rx_->received().empty());
    EXPECT_TRUE(rx_->url().starts_with("https://"));
    EXPECT_EQ(webhooks_->stats().failed, 0u);
    EXPECT_EQ(webhooks_->stats().retries, 0u);
}

// An https receiver whose certificate does not verify is a failed attempt like a refused
// connection: retried with backoff, then given up and counted; nothing reaches the receiver.
TEST_F(WebhookTest, AnHttpsReceiverWithAnUntrustedCertificateCountsAsFailed) {
    const ReceiverCert cert;
    rx_ = std::make_unique<HttpReceiver>(cert.tls());
    auto o = all_events();
    o.max_attempts = 2;
    start_with(o);  // no CA file: the self-signed certificate is not trusted
    TcpClient alice = login("alice");
    ASSERT_TRUE(eventually([&] { return webhooks_->stats().failed >= 1; }));
    EXPECT_EQ(webhooks_->stats().retries, 1u);
    EXPECT_EQ(webhooks_->stats().delivered, 0u);
    EXPECT_EQ(rx_->count(), 0u);
}

}  // namespace
}  // namespace jim::testing
