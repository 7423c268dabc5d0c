// Messages never lost (issue P4): offline inboxes, history, afterSeq sync, idempotent sends,
// access rules, and memberships that outlive a restart. Spec §6.8 for the cmd 19/20 shapes.

#include <filesystem>

#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;

std::string chat_with_id(const std::string& to, const std::string& content,
                         const std::string& client_msg_id) {
    return R"({"cmd":11,"chatType":2,"to":")" + to + R"(","content":")" + content +
           R"(","clientMsgId":")" + client_msg_id + "\"}";
}

boost::json::object ack_data(TcpClient& c) {
    const auto f = c.read_until(12, kWait);
    EXPECT_TRUE(f.has_value());
    if (!f) return {};
    const auto o = parse_object(f->body);
    EXPECT_TRUE(o->contains("data")) << f->body;
    return o->contains("data") ? o->at("data").as_object() : boost::json::object{};
}

boost::json::object get_messages(TcpClient& c, const std::string& request, int expected_code) {
    EXPECT_TRUE(c.send(19, request));
    const auto f = c.read_until(20, kWait);
    EXPECT_TRUE(f.has_value()) << request;
    if (!f) return {};
    const auto o = parse_object(f->body);
    EXPECT_EQ(o->at("code").as_int64(), expected_code) << f->body;
    return o->contains("data") ? o->at("data").as_object() : boost::json::object{};
}

std::vector<std::string> contents(const boost::json::value& list) {
    std::vector<std::string> out;
    for (const auto& m : list.as_array()) out.emplace_back(m.at("content").as_string());
    return out;
}

TEST_F(ServerTest, OfflineMessagesArePushedAtLoginExactlyOnce) {
    TcpClient alice = login("alice");
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "m" + std::to_string(i))));
        const auto ack = ack_data(alice);
        EXPECT_EQ(ack.at("seq").as_int64(), i);
    }
    TcpClient bob = login("bob");
    for (int i = 1; i <= 3; ++i) {
        const auto push = bob.read_until(11, kWait);
        ASSERT_TRUE(push) << i;
        EXPECT_EQ(parse_object(push->body)->at("data").at("content").as_string(),
                  "m" + std::to_string(i));
    }
    // Nothing is left in the inbox: a second device and a cmd 19 type 0 see nothing.
    TcpClient bob2 = login("bob");
    EXPECT_FALSE(bob2.read_until(11, kQuiet).has_value());
    const auto data = get_messages(bob2, R"({"cmd":19,"type":0,"userId":"bob"})", 10016);
    EXPECT_TRUE(data.at("friends").as_object().empty());
}

TEST_F(ServerTest, OfflineMessagesThroughCmd19IncludePrivateOnes) {
    net::ServerOptions o;
    o.push_offline_on_login = false;
    start(o);
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "while you were away")));
    EXPECT_EQ(status_code(alice.read_until(12, kWait).value_or(Frame{}).body), 10001);
    TcpClient bob = login("bob");
    EXPECT_FALSE(bob.read_until(11, kQuiet).has_value());
    auto data = get_messages(bob, R"({"cmd":19,"type":0,"userId":"bob"})", 10016);
    EXPECT_EQ(data.at("userId").as_string(), "bob");
    ASSERT_TRUE(data.at("friends").as_object().contains("alice"));  // J-IM returned {} here
    EXPECT_EQ(contents(data.at("friends").at("alice")),
              std::vector<std::string>{"while you were away"});
    data = get_messages(bob, R"({"cmd":19,"type":0,"userId":"bob"})", 10016);
    EXPECT_TRUE(data.at("friends").as_object().empty());
}

TEST_F(ServerTest, HistoryWithPagingAndTimeWindow) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    std::vector<std::int64_t> times;
    for (int i = 1; i <= 5; ++i) {
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "h" + std::to_string(i))));
        times.push_back(ack_data(alice).at("createTime").as_int64());
    }
    auto data =
        get_messages(bob, R"({"cmd":19,"type":1,"userId":"bob","fromUserId":"alice"})", 10018);
    EXPECT_EQ(contents(data.at("friends").at("alice")),
              (std::vector<std::string>{"h1", "h2", "h3", "h4", "h5"}));
    data = get_messages(
        bob, R"({"cmd":19,"type":1,"userId":"bob","fromUserId":"alice","offset":1,"count":2})",
        10018);
    EXPECT_EQ(contents(data.at("friends").at("alice")), (std::vector<std::string>{"h2", "h3"}));
    data = get_messages(alice,
                        R"({"cmd":19,"type":1,"userId":"alice","fromUserId":"bob","beginTime":)" +
                            std::to_string(times[0]) + R"(,"endTime":)" + std::to_string(times[4]) +
                            "}",
                        10018);
    EXPECT_EQ(data.at("friends").at("bob").as_array().size(), 5u);
    data = get_messages(alice,
                        R"({"cmd":19,"type":1,"userId":"alice","fromUserId":"bob","beginTime":0,)"
                        R"("endTime":1})",
                        10018);
    EXPECT_TRUE(data.at("friends").at("bob").as_array().empty());
}

TEST_F(ServerTest, AfterSeqSyncsAnyDeviceExactly) {
    TcpClient alice = login("alice");
    TcpClient bob_phone = login("bob");
    for (int i = 1; i <= 5; ++i) {
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "s" + std::to_string(i))));
        ASSERT_TRUE(ack_data(alice).contains("seq"));
    }
    // The phone saw everything; a laptop that last saw seq 3 asks for what came after.
    std::int64_t last_seq = 0;
    for (int i = 0; i < 5; ++i) {
        const auto push = bob_phone.read_until(11, kWait);
        ASSERT_TRUE(push);
        last_seq = parse_object(push->body)->at("data").at("seq").as_int64();
    }
    EXPECT_EQ(last_seq, 5);
    TcpClient bob_laptop = login("bob");
    const auto data = get_messages(
        bob_laptop, R"({"cmd":19,"type":1,"userId":"bob","fromUserId":"alice","afterSeq":3})",
        10018);
    EXPECT_EQ(contents(data.at("friends").at("alice")), (std::vector<std::string>{"s4", "s5"}));
}

TEST_F(ServerTest, DuplicateClientMsgIdIsDeliveredOnce) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.send(11, chat_with_id("bob", "once", "c-1")));
    const auto first = ack_data(alice);
    ASSERT_TRUE(alice.send(11, chat_with_id("bob", "once", "c-1")));  // a retry
    const auto second = ack_data(alice);
    EXPECT_EQ(first.at("id"), second.at("id"));
    EXPECT_EQ(first.at("seq"), second.at("seq"));
    EXPECT_TRUE(bob.read_until(11, kWait).has_value());
    EXPECT_FALSE(bob.read_until(11, kQuiet).has_value());
}

TEST_F(ServerTest, AnotherUsersConversationIsRefused) {
    TcpClient alice = login("alice");
    TcpClient mallory = login("mallory");
    ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "private")));
    ack_data(alice);
    get_messages(mallory, R"({"cmd":19,"type":1,"userId":"alice","fromUserId":"bob"})", 10015);
    get_messages(mallory, R"({"cmd":19,"type":0,"userId":"bob"})", 10015);
    ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"club"})"));
    ASSERT_TRUE(alice.read_until(8, kWait));
    get_messages(mallory, R"({"cmd":19,"type":1,"userId":"mallory","groupId":"club"})", 10015);
}

TEST_F(ServerTest, OfflineGroupMemberGetsGroupMessagesAtLogin) {
    TcpClient bob = login("bob");
    ASSERT_TRUE(bob.send(7, R"({"cmd":7,"groupId":"club"})"));
    ASSERT_TRUE(bob.read_until(8, kWait));
    bob.close();
    ASSERT_TRUE(eventually([&] { return !server().registry().online("bob"); }));
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"club"})"));
    ASSERT_TRUE(alice.read_until(8, kWait));
    ASSERT_TRUE(alice.send(11, R"({"cmd":11,"chatType":1,"groupId":"club","content":"hi club"})"));
    EXPECT_EQ(status_code(alice.read_until(12, kWait).value_or(Frame{}).body), 10000);
    TcpClient bob_again = login("bob");
    const auto push = bob_again.read_until(11, kWait);
    ASSERT_TRUE(push);
    EXPECT_EQ(parse_object(push->body)->at("data").at("groupId").as_string(), "club");
    const auto data =
        get_messages(bob_again, R"({"cmd":19,"type":1,"userId":"bob","groupId":"club"})", 10018);
    EXPECT_EQ(contents(data.at("groups").at("club")), std::vector<std::string>{"hi club"});
}

TEST_F(ServerTest, MembershipsAndHistorySurviveARestart) {
    char tmpl[] = "/tmp/jim-store-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    use_store("rocksdb", dir + "/db");
    start({});
    {
        TcpClient alice = login("alice");
        ASSERT_TRUE(alice.send(7, R"({"cmd":7,"groupId":"persist"})"));
        ASSERT_TRUE(alice.read_until(8, kWait));
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "before restart")));
        EXPECT_EQ(ack_data(alice).at("seq").as_int64(), 1);
    }
    use_store("rocksdb", dir + "/db");  // closes the database, opens it again
    start({});
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.send(17, R"({"cmd":17,"type":2,"userId":"alice"})"));
    const auto user = alice.read_until(18, kWait);
    ASSERT_TRUE(user);
    EXPECT_NE(user->body.find(R"("groupId":"persist")"), std::string::npos) << user->body;
    ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", "after restart")));
    EXPECT_EQ(ack_data(alice).at("seq").as_int64(), 2);  // seq continues, no gap
    TcpClient bob = login("bob");                        // both were offline messages for bob
    EXPECT_TRUE(bob.read_until(11, kWait).has_value());
    EXPECT_TRUE(bob.read_until(11, kWait).has_value());
    stop();
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace jim::testing
