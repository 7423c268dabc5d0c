// Groups (spec §6.4-6.7, issue P5 §1-3 in part): durable-while-running membership, join and exit
// notifications with J-IM's shapes, group chat for members only, get-user with online members.

#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;

class GroupTest : public ServerTest {
  protected:
    void SetUp() override {
        net::ServerOptions o;
        o.default_groups = {"100"};
        start(o);
    }
};

// The next frame with `command` whose body contains `needle` (earlier ones are skipped).
std::optional<Frame> read_matching(TcpClient& c, std::uint8_t command, std::string_view needle) {
    const auto end = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < end) {
        auto f = c.read_until(command, kWait);
        if (!f) return std::nullopt;
        if (f->body.find(needle) != std::string::npos) return f;
    }
    return std::nullopt;
}

std::string group_chat(const std::string& group, const std::string& content) {
    return R"({"cmd":11,"chatType":1,"msgType":0,"groupId":")" + group + R"(","content":")" +
           content + "\"}";
}

TEST_F(GroupTest, JoinNotifiesMembersAndRepliesToTheJoiner) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"rust"})"));
    const auto reply = alice.read_until(8, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(
        reply->body,
        R"({"code":10011,"command":8,"group":"rust","msg":"join group ok! 加入群组成功!","result":1})");
    ASSERT_TRUE(bob.send(7, R"({"cmd":7,"groupId":"rust"})"));
    const auto notify = read_matching(
        alice, 9, R"("group":"rust","msg":"join group ok! 加入群组成功!","user":{"nick":"bob")");
    ASSERT_TRUE(notify);
    EXPECT_EQ(
        notify->body,
        R"({"code":10011,"command":9,"group":"rust","msg":"join group ok! 加入群组成功!","user":{"nick":"bob","status":"online","userId":"bob"}})");
}

TEST_F(GroupTest, DefaultGroupJoinNotificationComesBeforeTheLoginReplyOverWs) {
    TcpClient alice = login("alice");
    auto web =
        client::WsClient::connect("127.0.0.1", server().port(), "/?username=web&password=1", kWait);
    ASSERT_TRUE(web.has_value());
    const auto first = web->read_text_until(
        [](std::string_view t) {
            return t.find("\"command\":9") != std::string_view::npos ||
                   t.find("\"command\":6") != std::string_view::npos;
        },
        kWait);
    ASSERT_TRUE(first);
    EXPECT_NE(first->find("\"command\":9"), std::string::npos) << *first;  // J-IM's order
    EXPECT_EQ(status_code(web->read_text_until(6, kWait).value_or("")), 10007);
    EXPECT_TRUE(read_matching(alice, 9, R"("userId":"web")").has_value());
}

TEST_F(GroupTest, GroupChatReachesMembersAndTheSendersOtherDevicesOnly) {
    TcpClient alice_phone = login("alice");
    TcpClient alice_laptop = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice_phone.send(11, group_chat("100", "hello group")));
    EXPECT_EQ(status_code(alice_phone.read_until(12, kWait).value_or(Frame{}).body), 10000);
    for (TcpClient* c : {&bob, &alice_laptop}) {
        const auto push = c->read_until(11, kWait);
        ASSERT_TRUE(push);
        const auto data = parse_object(push->body)->at("data");
        EXPECT_EQ(data.at("groupId").as_string(), "100");
        EXPECT_EQ(data.at("from").as_string(), "alice");
        EXPECT_EQ(data.at("chatType").as_int64(), 1);
    }
    EXPECT_FALSE(alice_phone.read_until(11, kQuiet).has_value());
}

TEST_F(GroupTest, NonMemberPostIsRefused) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send(11, group_chat("secret-club", "let me in")));
    const auto ack = alice.read_until(12, kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(status_code(ack->body), 10010);
    EXPECT_FALSE(bob.read_until(11, kQuiet).has_value());
}

TEST_F(GroupTest, ExitNotificationOnlyWhenTheLastDeviceLeaves) {
    TcpClient bob = login("bob");
    TcpClient alice_phone = login("alice");
    TcpClient alice_laptop = login("alice");
    alice_phone.close();
    EXPECT_FALSE(bob.read_until(10, kQuiet).has_value());
    alice_laptop.close();
    const auto exit = bob.read_until(10, kWait);
    ASSERT_TRUE(exit);
    EXPECT_EQ(
        exit->body,
        R"({"command":10,"data":{"group":"100","user":{"nick":"alice","status":"offline","userId":"alice"}}})");
    // Membership outlives the connection: alice is still listed (offline).
    TcpClient carol = login("carol");
    ASSERT_TRUE(carol.send(17, R"({"cmd":17,"type":1,"userId":"carol"})"));
    const auto users = carol.read_until(18, kWait);
    ASSERT_TRUE(users);
    EXPECT_NE(users->body.find(R"("userId":"alice")"), std::string::npos) << users->body;
}

TEST_F(GroupTest, LeaveCommandEndsMembership) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send(21, R"({"cmd":21,"groupId":"100"})"));
    const auto reply = alice.read_until(22, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(parse_object(reply->body)->at("result").as_int64(), 1);
    EXPECT_TRUE(bob.read_until(10, kWait).has_value());
    ASSERT_TRUE(alice.send(11, group_chat("100", "still here?")));
    EXPECT_EQ(status_code(alice.read_until(12, kWait).value_or(Frame{}).body), 10010);
}

TEST_F(GroupTest, GetUserListsOnlineGroupMembersForTheJimWebClient) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send(17, R"({"cmd":17,"type":"0","userId":"alice"})"));
    const auto f = alice.read_until(18, kWait);
    ASSERT_TRUE(f);
    const auto o = parse_object(f->body);
    EXPECT_EQ(o->at("code").as_int64(), 10005);
    const auto& groups = o->at("data").at("groups").as_array();
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].at("groupId").as_string(), "100");
    EXPECT_EQ(groups[0].at("users").as_array().size(), 2u);
    EXPECT_EQ(groups[0].at("online").as_int64(), 2);
}

}  // namespace
}  // namespace jim::testing
