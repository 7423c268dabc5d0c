#include "jim/hooks/webhooks.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <atomic>
#include <thread>

#include "jim/hooks/signature.hpp"
#include "support/eventually.hpp"
#include "support/http_receiver.hpp"

namespace jim::hooks {
namespace {

using namespace std::chrono_literals;
using service::EventType;
using testing::HttpReceiver;

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms) {
    return testing::eventually(pred, limit);
}

WebhookOptions options_for(const HttpReceiver& rx) {
    WebhookOptions o;
    o.url = *parse_url(rx.url("/events"));
    o.secret = "s3cret";
    o.events = event_mask({"user.online", "user.offline", "message.offline"});
    o.backoff = 20ms;
    o.timeout = 1000ms;
    return o;
}

TEST(Signature, MatchesRfc4231) {
    // RFC 4231 test case 2.
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(signature_header("Jefe", "what do ya want for nothing?").substr(0, 7), "sha256=");
}

TEST(EventMask, NamesEveryEventAndReportsUnknownOnes) {
    std::string unknown;
    const auto all = event_mask({"user.online", "user.offline", "message.offline", "message",
                                 "group.join", "group.leave", "user.typing"},
                                &unknown);
    EXPECT_EQ(all, (1u << service::kEventTypeCount) - 1);
    EXPECT_EQ(unknown, "user.typing");
}

TEST(Webhooks, PostsSignedBatchesOfWantedEvents) {
    HttpReceiver rx;
    ManualClock clock(1700000000000);
    Webhooks hooks(options_for(rx), clock);
    EXPECT_TRUE(hooks.wants(EventType::user_online));
    EXPECT_FALSE(hooks.wants(EventType::message));
    hooks.publish(EventType::message, R"({"message":{}})");  // not wanted: never sent
    hooks.publish(EventType::user_online, R"({"userId":"alice"})");
    hooks.publish(EventType::user_offline, R"({"userId":"alice"})");
    ASSERT_TRUE(eventually([&] { return hooks.stats().delivered == 2; }));
    std::vector<std::string> types;
    for (const auto& r : rx.received()) {
        EXPECT_EQ(r.target, "/events");
        EXPECT_EQ(r.header("x-jim-signature"), signature_header("s3cret", r.body));
        EXPECT_FALSE(r.header("x-jim-delivery").empty());
        const auto v = boost::json::parse(r.body);
        for (const auto& e : v.at("events").as_array()) {
            types.emplace_back(e.at("type").as_string());
            EXPECT_EQ(e.at("time").as_int64(), 1700000000000);
            EXPECT_EQ(e.at("data").at("userId").as_string(), "alice");
        }
    }
    EXPECT_EQ(types, (std::vector<std::string>{"user.online", "user.offline"}));
    EXPECT_EQ(hooks.stats().published, 2u);
}

TEST(Webhooks, RetriesAfterAServerErrorWithTheSameDelivery) {
    HttpReceiver rx;
    std::atomic<int> calls{0};
    rx.set_handler([&](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{++calls == 1 ? 500 : 200, "{}"};
    });
    SystemClock clock;
    Webhooks hooks(options_for(rx), clock);
    hooks.publish(EventType::user_online, R"({"userId":"bob"})");
    ASSERT_TRUE(eventually([&] { return hooks.stats().delivered == 1; }));
    const auto got = rx.received();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].body, got[1].body);
    EXPECT_EQ(got[0].header("x-jim-delivery"), got[1].header("x-jim-delivery"));
    EXPECT_EQ(hooks.stats().retries, 1u);
    EXPECT_EQ(hooks.stats().failed, 0u);
}

TEST(Webhooks, GivesUpAfterMaxAttemptsAndCountsIt) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) { return HttpReceiver::Reply{503, "{}"}; });
    SystemClock clock;
    auto o = options_for(rx);
    o.max_attempts = 3;
    Webhooks hooks(o, clock);
    hooks.publish(EventType::user_online, R"({"userId":"bob"})");
    ASSERT_TRUE(eventually([&] { return hooks.stats().failed == 1; }));
    EXPECT_EQ(rx.count(), 3u);
    EXPECT_EQ(hooks.stats().retries, 2u);
    EXPECT_EQ(hooks.stats().delivered, 0u);
}

TEST(Webhooks, OverflowIsDroppedAndCountedWithoutBlocking) {
    HttpReceiver rx;
    rx.set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, "{}", 300ms};  // a slow receiver
    });
    SystemClock clock;
    auto o = options_for(rx);
    o.queue_max = 10;
    o.batch_max = 5;
    Webhooks hooks(o, clock);
    for (int i = 0; i < 100; ++i) {
        hooks.publish(EventType::user_online, R"({"userId":"u"})");
    }
    const auto s = hooks.stats();
    EXPECT_EQ(s.published + s.dropped, 100u);
    EXPECT_GE(s.dropped, 80u);  // at most the queue and one batch in flight got in
    ASSERT_TRUE(eventually([&] { return hooks.stats().delivered == s.published; }));
}

}  // namespace
}  // namespace jim::hooks
