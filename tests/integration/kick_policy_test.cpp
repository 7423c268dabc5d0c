// session.kick_policy: none (J-IM: every login stays), same_terminal (a new login closes the
// user's older sessions on the same protocol) and single (one session per user). A replaced
// session is told why (cmd 14, 10021, data.policy) before it is closed.

#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;
using client::WsClient;
using client::WsMessage;
using service::KickPolicy;

class KickPolicyTest : public ServerTest {
  protected:
    void start_with(KickPolicy p) {
        net::ServerOptions o;
        o.kick_policy = p;
        start(o);
    }
    std::size_t sessions(const std::string& user) {
        return server().registry().sessions(user).size();
    }
    std::uint64_t replaced() {
        return server().stats().closed[static_cast<std::size_t>(Errc::replaced)];
    }
    // The notice a replaced TCP session gets, then the close.
    static void expect_replaced_tcp(TcpClient& c, std::string_view policy,
                                    std::string_view by_terminal) {
        const auto f = c.read_until(14, kWait);
        ASSERT_TRUE(f);
        const auto o = parse_object(f->body);
        EXPECT_EQ(o->at("code").as_int64(), 10021);
        EXPECT_EQ(o->at("data").at("policy").as_string(), policy);
        EXPECT_EQ(o->at("data").at("terminal").as_string(), by_terminal);
        EXPECT_TRUE(o->contains("reason"));
        EXPECT_TRUE(c.wait_closed(kWait));
    }
    static void expect_replaced_ws(WsClient& c, std::string_view policy,
                                   std::string_view by_terminal) {
        const auto text = c.read_text_until(14, kWait);
        ASSERT_TRUE(text);
        const auto o = parse_object(*text);
        EXPECT_EQ(o->at("code").as_int64(), 10021);
        EXPECT_EQ(o->at("data").at("policy").as_string(), policy);
        EXPECT_EQ(o->at("data").at("terminal").as_string(), by_terminal);
        const auto close = c.read_until([](const WsMessage& m) { return m.opcode == 0x8; }, kWait);
        ASSERT_TRUE(close);
        EXPECT_EQ(close->close_code, 1000);
        EXPECT_EQ(close->payload, "replaced");
    }
};

TEST_F(KickPolicyTest, NoneKeepsEverySessionLikeJim) {
    start_with(KickPolicy::none);
    TcpClient a1 = login("alice");
    TcpClient a2 = login("alice");
    WsClient a3 = ws_login("alice");
    EXPECT_TRUE(eventually([&] { return sessions("alice") == 3; }));
    TcpClient bob = login("bob");
    ASSERT_TRUE(bob.send(11, chat_json("", "alice", "to every device")));
    EXPECT_TRUE(a1.read_until(11, kWait));
    EXPECT_TRUE(a2.read_until(11, kWait));
    EXPECT_TRUE(a3.read_text_until(11, kWait));
    EXPECT_EQ(replaced(), 0u);
}

TEST_F(KickPolicyTest, SameTerminalReplacesOnlyTheOlderSessionOfThatProtocol) {
    start_with(KickPolicy::same_terminal);
    TcpClient tcp1 = login("alice");
    WsClient ws1 = ws_login("alice");
    TcpClient tcp2 = login("alice");
    expect_replaced_tcp(tcp1, "same_terminal", "tcp");
    EXPECT_FALSE(ws1.read_text_until(14, kQuiet).has_value());  // another terminal: kept

    WsClient ws2 = ws_login("alice");
    expect_replaced_ws(ws1, "same_terminal", "ws");
    EXPECT_FALSE(tcp2.read_until(14, kQuiet).has_value());
    EXPECT_TRUE(eventually([&] { return sessions("alice") == 2 && replaced() == 2; }));

    // The survivors work: a message reaches both.
    TcpClient bob = login("bob");
    ASSERT_TRUE(bob.send(11, chat_json("", "alice", "still here?")));
    EXPECT_TRUE(tcp2.read_until(11, kWait));
    EXPECT_TRUE(ws2.read_text_until(11, kWait));
    // The policy is per user: bob's second TCP login replaces bob's first, not alice's.
    TcpClient bob2 = login("bob");
    EXPECT_TRUE(bob.wait_closed(kWait));
    EXPECT_FALSE(tcp2.read_until(14, kQuiet).has_value());
    EXPECT_TRUE(eventually([&] { return sessions("alice") == 2 && sessions("bob") == 1; }));
}

TEST_F(KickPolicyTest, SingleKeepsOnlyTheNewestSession) {
    start_with(KickPolicy::single);
    TcpClient tcp = login("alice");
    TcpClient bob = login("bob");
    WsClient ws = ws_login("alice");
    expect_replaced_tcp(tcp, "single", "ws");
    EXPECT_TRUE(eventually([&] { return sessions("alice") == 1 && replaced() == 1; }));
    EXPECT_EQ(sessions("bob"), 1u);

    TcpClient tcp2 = login("alice");
    expect_replaced_ws(ws, "single", "tcp");
    EXPECT_TRUE(eventually([&] { return sessions("alice") == 1; }));
    ASSERT_TRUE(bob.send(11, chat_json("", "alice", "one device")));
    EXPECT_EQ(status_code(bob.read_until(12, kWait).value_or(Frame{}).body), 10000);
    EXPECT_TRUE(tcp2.read_until(11, kWait));
}

}  // namespace
}  // namespace jim::testing
