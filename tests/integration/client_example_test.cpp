// The C++ client library's example program (tools/client/examples/echo_bot.cpp) works against
// a real server: it answers a private message with "echo: <content>".

#include "process.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

class ClientExampleTest : public ServerTest {};

TEST_F(ClientExampleTest, EchoBotAnswersAPrivateMessage) {
    Process bot({JIM_ECHO_BOT_BIN, "--port", std::to_string(server().port()), "--user", "bot",
                 "--count", "1", "--seconds", "5"});
    ASSERT_TRUE(eventually([&] { return server().online("bot"); }));
    TcpClient alice = login("alice");
    const auto ack = alice.chat("bot", "hello", kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(*ack), 10000);
    const auto echo = alice.read_until(11, kWait);
    ASSERT_TRUE(echo);
    const auto o = client::parse_object(echo->body);
    EXPECT_EQ(o->at("data").at("content").as_string(), "echo: hello");
    EXPECT_EQ(o->at("data").at("from").as_string(), "bot");
    EXPECT_EQ(bot.wait(kWait), 0);
}

}  // namespace
}  // namespace jim::testing
