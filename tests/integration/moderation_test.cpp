// The before-send moderation hook (issue P8 §2): a receiver in the test rejects, rewrites or
// accepts each message; timeouts follow hook.fail_open.

#include <boost/json/parse.hpp>

#include "jim/hooks/moderation_hook.hpp"
#include "server_fixture.hpp"
#include "support/http_receiver.hpp"

namespace jim::testing {
namespace {

class ModerationTest : public ServerTest {
  protected:
    void SetUp() override {
        rx_.set_handler([](const HttpReceiver::Received& r) {
            const auto content = boost::json::parse(r.body).at("content").as_string();
            if (content.find("spam") != boost::json::string::npos) {
                return HttpReceiver::Reply{200, R"({"action":"reject","reason":"no spam"})"};
            }
            if (content == "darn it") {
                return HttpReceiver::Reply{200, R"({"action":"replace","content":"d**n it"})"};
            }
            if (content == "slow") return HttpReceiver::Reply{200, "{}", 2000ms};
            return HttpReceiver::Reply{200, R"({"action":"accept"})"};
        });
    }
    void start_with(bool fail_open) {
        hooks::ModerationOptions o;
        o.url = *hooks::parse_url(rx_.url("/moderate"));
        o.timeout = 150ms;
        o.fail_open = fail_open;
        moderator_ = std::make_unique<hooks::HttpModerator>(o);
        net::ServerOptions so;
        so.moderator = moderator_.get();
        start(so);
    }
    void TearDown() override {
        if (server_) server_->stop();  // then the hook's thread ends while the workers exist
        moderator_.reset();
        stop();
    }
    static std::string content_of(const Frame& f) {
        const auto o = client::parse_object(f.body);
        return std::string(o->at("data").at("content").as_string());
    }

    HttpReceiver rx_;
    std::unique_ptr<hooks::HttpModerator> moderator_;
};

TEST_F(ModerationTest, RejectsOneMessageAndRewritesAnother) {
    start_with(true);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");

    const auto rejected = alice.chat("bob", "buy spam now", kWait);
    ASSERT_TRUE(rejected);
    EXPECT_EQ(client::status_code(*rejected), 10002) << *rejected;
    EXPECT_NE(rejected->find("no spam"), std::string::npos) << *rejected;

    const auto rewritten = alice.chat("bob", "darn it", kWait);
    ASSERT_TRUE(rewritten);
    EXPECT_EQ(client::status_code(*rewritten), 10000) << *rewritten;
    const auto plain = alice.chat("bob", "hello", kWait);
    ASSERT_TRUE(plain);
    EXPECT_EQ(client::status_code(*plain), 10000);

    // Bob gets the rewritten text, then the plain one: never the rejected message.
    const auto first = bob.read_until(11, kWait);
    ASSERT_TRUE(first);
    EXPECT_EQ(content_of(*first), "d**n it");
    const auto second = bob.read_until(11, kWait);
    ASSERT_TRUE(second);
    EXPECT_EQ(content_of(*second), "hello");

    // The hook saw the prepared message: sender and server id included.
    const auto asked = rx_.received();
    ASSERT_EQ(asked.size(), 3u);
    const auto v = boost::json::parse(asked[0].body);
    EXPECT_EQ(v.at("from").as_string(), "alice");
    EXPECT_FALSE(v.at("id").as_string().empty());
    const auto s = moderator_->stats();
    EXPECT_EQ(s.checked, 3u);
    EXPECT_EQ(s.rejected, 1u);
    EXPECT_EQ(s.replaced, 1u);
}

TEST_F(ModerationTest, ATimeoutLetsTheMessagePassWhenFailingOpen) {
    start_with(true);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const auto ack = alice.chat("bob", "slow", kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(*ack), 10000) << *ack;
    const auto got = bob.read_until(11, kWait);
    ASSERT_TRUE(got);
    EXPECT_EQ(content_of(*got), "slow");
    EXPECT_EQ(moderator_->stats().failures, 1u);
}

TEST_F(ModerationTest, ATimeoutRejectsTheMessageWhenFailingClosed) {
    start_with(false);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const auto ack = alice.chat("bob", "slow", kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(*ack), 10002) << *ack;
    EXPECT_NE(ack->find("moderation unavailable"), std::string::npos) << *ack;
    EXPECT_FALSE(bob.read_until(11, kQuiet));
}

}  // namespace
}  // namespace jim::testing
