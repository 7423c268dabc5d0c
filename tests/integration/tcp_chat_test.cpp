// Private chat over TCP (spec §6.6) with J-IM's defects fixed (§11.1 #1, §11.3 #17, #20).

#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;

// Reads the push a receiver gets for a chat and returns its data object.
boost::json::object read_push(TcpClient& c) {
    const auto f = c.read_until(11, kWait);
    EXPECT_TRUE(f.has_value());
    if (!f) return {};
    const auto o = parse_object(f->body);
    EXPECT_TRUE(o.has_value());
    EXPECT_EQ(o->at("command").as_int64(), 11);
    EXPECT_FALSE(o->contains("code"));  // pushes carry no status (spec §5.2)
    return o->at("data").as_object();
}

TEST_F(ServerTest, PrivateChatBothWays) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");

    ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "hi bob")));
    const auto ack = alice.read_until(12, kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(status_code(ack->body), 10000);
    auto data = read_push(bob);
    EXPECT_EQ(data.at("from").as_string(), "alice");
    EXPECT_EQ(data.at("to").as_string(), "bob");
    EXPECT_EQ(data.at("content").as_string(), "hi bob");
    EXPECT_EQ(data.at("chatType").as_int64(), 2);
    // The ack names the id and createTime the server gave the message.
    const auto ack_data = parse_object(ack->body)->at("data").as_object();
    EXPECT_EQ(ack_data.at("id"), data.at("id"));
    EXPECT_EQ(ack_data.at("createTime"), data.at("createTime"));

    ASSERT_TRUE(bob.send(11, chat_json("", "alice", "hi alice")));
    EXPECT_EQ(status_code(bob.read_until(12, kWait).value_or(Frame{}).body), 10000);
    data = read_push(alice);
    EXPECT_EQ(data.at("from").as_string(), "bob");  // filled with the user id, not the nick
    EXPECT_EQ(data.at("content").as_string(), "hi alice");
}

TEST_F(ServerTest, ServerAssignsIdAndCreateTime) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const auto before = clock_.now_ms();
    ASSERT_TRUE(alice.send(
        11, R"({"cmd":11,"chatType":"2","to":"bob","content":"x","id":"spoofed","createTime":1})"));
    const auto data = read_push(bob);
    const std::string id(data.at("id").as_string());
    EXPECT_EQ(id.size(), 32u);
    EXPECT_NE(id, "spoofed");
    EXPECT_GE(data.at("createTime").as_int64(), before);
    EXPECT_EQ(data.at("chatType").as_int64(), 2);  // "2" normalised to a number
}

TEST_F(ServerTest, MultiDeviceReceiverGetsEveryCopyAndSenderDevicesSync) {
    TcpClient alice_phone = login("alice");
    TcpClient alice_laptop = login("alice");
    TcpClient bob_phone = login("bob");
    TcpClient bob_laptop = login("bob");

    ASSERT_TRUE(alice_phone.send(11, chat_json("alice", "bob", "to all of bob")));
    EXPECT_EQ(status_code(alice_phone.read_until(12, kWait).value_or(Frame{}).body), 10000);
    EXPECT_EQ(read_push(bob_phone).at("content").as_string(), "to all of bob");
    EXPECT_EQ(read_push(bob_laptop).at("content").as_string(), "to all of bob");
    // The sender's other device sees what was sent (sync); the sending connection does not.
    EXPECT_EQ(read_push(alice_laptop).at("content").as_string(), "to all of bob");
    EXPECT_FALSE(alice_phone.read(kQuiet).has_value());
}

TEST_F(ServerTest, ReceiverStaysOnlineWhileAnyDeviceIsConnected) {
    TcpClient alice = login("alice");
    TcpClient bob1 = login("bob");
    TcpClient bob2 = login("bob");
    bob1.close();
    ASSERT_TRUE(eventually([&] { return server().stats().closed_by(Errc::peer_closed) == 1; }));
    ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "still there?")));
    EXPECT_EQ(status_code(alice.read_until(12, kWait).value_or(Frame{}).body), 10000);
    EXPECT_EQ(read_push(bob2).at("content").as_string(), "still there?");
}

TEST_F(ServerTest, ChatToOfflineUserIsAcked10001) {
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.send(11, chat_json("alice", "nobody", "hello?")));
    const auto ack = alice.read_until(12, kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(status_code(ack->body), 10001);
}

TEST_F(ServerTest, ImpersonationIsRefusedAndNotDelivered) {
    TcpClient mallory = login("mallory");
    TcpClient bob = login("bob");
    ASSERT_TRUE(mallory.send(11, chat_json("alice", "bob", "I am alice")));
    const auto ack = mallory.read_until(12, kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(status_code(ack->body), 10010);
    EXPECT_FALSE(bob.read(kQuiet).has_value());
    EXPECT_FALSE(mallory.wait_closed(kQuiet));
}

TEST_F(ServerTest, ChatBeforeLoginIsRefusedWithAStatusAndNotDelivered) {
    TcpClient bob = login("bob");
    TcpClient anon = connect();
    ASSERT_TRUE(anon.send(11, chat_json("", "bob", "who am I")));
    const auto f = anon.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 12);
    EXPECT_EQ(status_code(f->body), 10010);
    EXPECT_FALSE(bob.read(kQuiet).has_value());
}

TEST_F(ServerTest, MalformedChatGetsAStatusAndTheConnectionStaysOpen) {
    TcpClient alice = login("alice");
    const std::string bad_bodies[] = {
        "{not json",                                     // malformed JSON
        "[1,2,3]",                                       // not an object
        R"({"cmd":11,"to":"bob","content":"x"})",        // chatType missing
        R"({"cmd":11,"chatType":0,"to":"bob"})",         // chatType 0 (J-IM: silently dropped)
        R"({"cmd":11,"chatType":7,"to":"bob"})",         // unknown chatType
        R"({"cmd":11,"chatType":2,"content":"no to"})",  // private without receiver
    };
    for (const auto& body : bad_bodies) {
        ASSERT_TRUE(alice.send(11, body));
        const auto f = alice.read(kWait);
        ASSERT_TRUE(f) << body;
        EXPECT_EQ(f->command, 12) << body;
        EXPECT_EQ(status_code(f->body), 10002) << body;
        EXPECT_TRUE(parse_object(f->body)->contains("reason")) << body;
    }
    ASSERT_TRUE(alice.send(13, "{}"));
    EXPECT_TRUE(alice.read_until(13, kWait).has_value());
}

TEST_F(ServerTest, RouteCountersSeeEveryFrame) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "n")));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(bob.read_until(11, kWait));
    EXPECT_GE(server().stats().frames_in, 12u);  // 2 logins + 10 chats
}

}  // namespace
}  // namespace jim::testing
