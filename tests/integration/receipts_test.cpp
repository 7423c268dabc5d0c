// Receipts (jim extension, docs/protocol.md): delivery acks (cmd 23 -> 24), read cursors
// (cmd 25 -> 26) and recent conversations with unread counts (cmd 27 -> 28), over TCP and WS.

#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;
using client::WsClient;

class ReceiptsTest : public ServerTest {
  protected:
    static boost::json::object data_of(const std::string& text) {
        const auto o = parse_object(text);
        EXPECT_TRUE(o && o->contains("data")) << text;
        return o && o->contains("data") ? o->at("data").as_object() : boost::json::object{};
    }
    static boost::json::object call(TcpClient& c, std::uint8_t cmd, const std::string& json,
                                    int expected_code = 10000) {
        EXPECT_TRUE(c.send(cmd, json));
        const auto f = c.read_until(static_cast<std::uint8_t>(cmd + 1), kWait);
        EXPECT_TRUE(f) << json;
        const auto o = parse_object(f.value_or(Frame{}).body).value_or(boost::json::object{});
        EXPECT_EQ(o.contains("code") ? o.at("code").as_int64() : 0, expected_code)
            << f.value_or(Frame{}).body;
        return o;
    }
    static boost::json::array recent(TcpClient& c) {
        return call(c, 27, R"({"cmd":27})").at("data").at("conversations").as_array();
    }
};

TEST_F(ReceiptsTest, ADeliveryAckReachesTheSendersSessions) {
    WsClient alice = ws_login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send_text(chat_json("", "bob", "did you get this?")));
    const auto ack = data_of(alice.read_text_until(12, kWait).value_or(""));
    const auto push = bob.read_until(11, kWait);
    ASSERT_TRUE(push);
    const auto m = data_of(push->body);

    const std::string id(m.at("id").as_string());
    ASSERT_TRUE(bob.send(23, R"({"cmd":23,"from":"alice","id":")" + id + R"(","seq":)" +
                                 std::to_string(m.at("seq").as_int64()) + "}"));
    const auto receipt = alice.read_text_until(24, kWait);
    ASSERT_TRUE(receipt);
    const auto r = parse_object(*receipt);
    EXPECT_FALSE(r->contains("code"));  // a push, not a reply
    const auto& d = r->at("data").as_object();
    EXPECT_EQ(d.at("chatType").as_int64(), 2);
    EXPECT_EQ(d.at("from").as_string(), "bob");
    EXPECT_EQ(d.at("to").as_string(), "alice");
    EXPECT_EQ(d.at("id").as_string(), ack.at("id").as_string());
    EXPECT_EQ(d.at("seq").as_int64(), ack.at("seq").as_int64());
    EXPECT_FALSE(bob.read_until(24, kQuiet).has_value());  // nothing back on success

    // Errors are answered on 24 with a code.
    EXPECT_EQ(call(bob, 23, R"({"cmd":23,"id":"x"})", 10002).at("command").as_int64(), 24);
    call(bob, 23, R"({"cmd":23,"from":"alice","id":"x","groupId":"not-mine"})", 10010);
}

TEST_F(ReceiptsTest, ReadCursorsGiveUnreadCountsAndReachTheOtherDevicesAndThePeer) {
    TcpClient alice = login("alice");
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(alice.send(11, chat_json("", "bob", "m" + std::to_string(i))));
        ASSERT_TRUE(alice.read_until(12, kWait));
    }
    ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"g"})"));
    ASSERT_TRUE(alice.read_until(8, kWait));
    TcpClient bob = login("bob");
    WsClient bob_web = ws_login("bob");
    ASSERT_TRUE(bob.send(7, R"({"cmd":7,"groupId":"g"})"));
    ASSERT_TRUE(bob.read_until(8, kWait));
    ASSERT_TRUE(alice.send(11, R"({"cmd":11,"chatType":1,"groupId":"g","content":"all"})"));
    ASSERT_TRUE(alice.read_until(12, kWait));
    ASSERT_TRUE(bob.read_until(11, kWait));  // the group push (the offline ones came first)

    auto list = recent(bob);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("chatType").as_int64(), 1);  // newest first
    EXPECT_EQ(list[0].at("groupId").as_string(), "g");
    EXPECT_EQ(list[0].at("unread").as_int64(), 1);
    EXPECT_EQ(list[0].at("message").at("content").as_string(), "all");
    EXPECT_EQ(list[1].at("chatType").as_int64(), 2);
    EXPECT_EQ(list[1].at("to").as_string(), "alice");
    EXPECT_EQ(list[1].at("lastSeq").as_int64(), 3);
    EXPECT_EQ(list[1].at("readSeq").as_int64(), 0);
    EXPECT_EQ(list[1].at("unread").as_int64(), 3);
    EXPECT_EQ(list[1].at("message").at("content").as_string(), "m3");

    auto reply = call(bob, 25, R"({"cmd":25,"to":"alice","seq":2})");
    const auto read = reply.at("data").as_object();
    EXPECT_EQ(read.at("from").as_string(), "bob");
    EXPECT_EQ(read.at("to").as_string(), "alice");
    EXPECT_EQ(read.at("seq").as_int64(), 2);
    // The peer learns how far bob read; bob's other device syncs its badge.
    const auto peer = alice.read_until(26, kWait);
    ASSERT_TRUE(peer);
    EXPECT_FALSE(parse_object(peer->body)->contains("code"));
    EXPECT_EQ(data_of(peer->body), read);
    EXPECT_EQ(data_of(bob_web.read_text_until(26, kWait).value_or("")), read);

    list = recent(bob);
    EXPECT_EQ(list[1].at("readSeq").as_int64(), 2);
    EXPECT_EQ(list[1].at("unread").as_int64(), 1);
    // Never back, never past the end.
    EXPECT_EQ(call(bob, 25, R"({"cmd":25,"to":"alice","seq":1})").at("data").at("seq").as_int64(),
              2);
    EXPECT_EQ(call(bob, 25, R"({"cmd":25,"to":"alice","seq":99})").at("data").at("seq").as_int64(),
              3);
    EXPECT_EQ(call(bob, 25, R"({"cmd":25,"groupId":"g","seq":1})").at("data").at("chatType"), 1);
    for (const auto& c : recent(bob)) EXPECT_EQ(c.at("unread").as_int64(), 0) << c;

    // Sending counts as reading: alice has nothing unread where she wrote last.
    for (const auto& c : recent(alice)) EXPECT_EQ(c.at("unread").as_int64(), 0) << c;

    call(bob, 25, R"({"cmd":25,"groupId":"other","seq":1})", 10010);
    call(bob, 25, R"({"cmd":25,"seq":1})", 10002);
}

TEST_F(ReceiptsTest, RecentConversationsOverWebSocketHonourCount) {
    TcpClient alice = login("alice");
    for (const std::string to : {"bob", "carol", "dave"}) {
        ASSERT_TRUE(alice.send(11, chat_json("", to, "hi " + to)));
        ASSERT_TRUE(alice.read_until(12, kWait));
    }
    WsClient web = ws_login("alice");
    ASSERT_TRUE(web.send_text(R"({"cmd":27,"count":2})"));
    const auto reply = web.read_text_until(28, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(status_code(*reply), 10000);
    const auto list = data_of(*reply).at("conversations").as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("to").as_string(), "dave");
    EXPECT_EQ(list[1].at("to").as_string(), "carol");
}

TEST_F(ReceiptsTest, WithoutAStoreCursorsAreUnsupportedButDeliveryAcksWork) {
    use_store("none");
    start(net::ServerOptions{});
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    call(alice, 25, R"({"cmd":25,"to":"bob","seq":1})", 10017);
    call(alice, 27, R"({"cmd":27})", 10017);
    ASSERT_TRUE(bob.send(23, R"({"cmd":23,"from":"alice","id":"x"})"));
    const auto receipt = alice.read_until(24, kWait);
    ASSERT_TRUE(receipt);
    EXPECT_EQ(data_of(receipt->body).at("from").as_string(), "bob");
}

}  // namespace
}  // namespace jim::testing
