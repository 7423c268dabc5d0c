// Recall (cmd 15 -> 16; spec §6.11 defined the codes, jim builds them): the sender within
// chat.recall_window, the admin API at any time. Online sessions of the conversation get the
// cmd-16 push; history and inboxes show the message recalled, without its content.

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::HttpClient;
using client::parse_object;
using client::status_code;
using client::WsClient;

struct Sent {
    std::string id;
    std::int64_t seq = 0;
};

class RecallTest : public ServerTest {
  protected:
    static Sent sent_from_ack(const std::string& ack) {
        const auto o = parse_object(ack);
        EXPECT_TRUE(o && o->contains("data")) << ack;
        if (!o || !o->contains("data")) return {};
        const auto& d = o->at("data");
        return {std::string(d.at("id").as_string()), d.at("seq").as_int64()};
    }
    static Sent send(TcpClient& c, const std::string& to, const std::string& content) {
        EXPECT_TRUE(c.send(11, chat_json("", to, content)));
        return sent_from_ack(c.read_until(12, kWait).value_or(Frame{}).body);
    }
    static std::string recall_json(const Sent& m, const std::string& to_member) {
        return R"({"cmd":15,"id":")" + m.id + R"(","seq":)" + std::to_string(m.seq) + "," +
               to_member + "}";
    }
    // The cmd-16 reply to a recall request (it carries a code; pushes do not).
    static boost::json::object recall(TcpClient& c, const std::string& json) {
        EXPECT_TRUE(c.send(15, json));
        const auto f = c.read_until(16, kWait);
        EXPECT_TRUE(f.has_value()) << json;
        return parse_object(f.value_or(Frame{}).body).value_or(boost::json::object{});
    }
    static boost::json::array history(TcpClient& c, const std::string& me,
                                      const std::string& peer) {
        EXPECT_TRUE(c.send(
            19, R"({"cmd":19,"type":1,"userId":")" + me + R"(","fromUserId":")" + peer + "\"}"));
        const auto f = c.read_until(20, kWait);
        const auto o = parse_object(f.value_or(Frame{}).body);
        EXPECT_EQ(o->at("code").as_int64(), 10018);
        return o->at("data").at("friends").at(peer).as_array();
    }
};

TEST_F(RecallTest, RecallIsPushedToOnlineSessionsAndShownInHistory) {
    TcpClient alice = login("alice");
    WsClient alice_web = ws_login("alice");
    TcpClient bob = login("bob");
    const Sent keep = send(alice, "bob", "keep me");
    const Sent oops = send(alice, "bob", "wrong window");
    ASSERT_TRUE(bob.read_until(11, kWait));
    ASSERT_TRUE(bob.read_until(11, kWait));

    const auto reply = recall(alice, recall_json(oops, R"("to":"bob")"));
    EXPECT_EQ(reply.at("code").as_int64(), 10000);
    const auto& data = reply.at("data").as_object();
    EXPECT_EQ(data.at("id").as_string(), oops.id);
    EXPECT_EQ(data.at("seq").as_int64(), oops.seq);
    EXPECT_TRUE(data.at("recalled").as_bool());
    EXPECT_EQ(data.at("from").as_string(), "alice");
    EXPECT_EQ(data.at("to").as_string(), "bob");
    EXPECT_FALSE(data.contains("content"));

    // The receiver and the sender's other device get the push: no code, the same data.
    const auto push = bob.read_until(16, kWait);
    ASSERT_TRUE(push);
    const auto p = parse_object(push->body);
    EXPECT_FALSE(p->contains("code"));
    EXPECT_EQ(p->at("data").as_object(), data);
    const auto web = alice_web.read_text_until(16, kWait);
    ASSERT_TRUE(web);
    EXPECT_EQ(parse_object(*web)->at("data").as_object(), data);
    EXPECT_FALSE(alice.read_until(16, kQuiet).has_value());  // not the session that recalled

    for (TcpClient* c : {&alice, &bob}) {
        const std::string me = c == &alice ? "alice" : "bob";
        const auto h = history(*c, me, me == "alice" ? "bob" : "alice");
        ASSERT_EQ(h.size(), 2u);
        EXPECT_EQ(h[0].at("content").as_string(), "keep me");
        EXPECT_FALSE(h[0].as_object().contains("recalled"));
        EXPECT_EQ(h[1].at("id").as_string(), oops.id);
        EXPECT_TRUE(h[1].at("recalled").as_bool());
        EXPECT_FALSE(h[1].as_object().contains("content"));
    }
    (void)keep;

    // A second recall is answered the same way and not pushed again.
    EXPECT_EQ(recall(alice, recall_json(oops, R"("to":"bob")")).at("code").as_int64(), 10000);
    EXPECT_FALSE(bob.read_until(16, kQuiet).has_value());
}

TEST_F(RecallTest, GroupRecallOverWebSocketReachesMembers) {
    WsClient alice = ws_login("alice");
    TcpClient bob = login("bob");
    WsClient carol = ws_login("carol");
    for (const std::string user : {"alice", "carol"}) {
        WsClient& c = user == "alice" ? alice : carol;
        ASSERT_TRUE(c.send_text(R"({"cmd":7,"groupId":"g"})"));
        ASSERT_TRUE(c.read_text_until(8, kWait));
    }
    ASSERT_TRUE(bob.send(7, R"({"cmd":7,"groupId":"g"})"));
    ASSERT_TRUE(bob.read_until(8, kWait));
    ASSERT_TRUE(carol.send_text(R"({"cmd":11,"chatType":1,"groupId":"g","content":"hello g"})"));
    const Sent m = sent_from_ack(carol.read_text_until(12, kWait).value_or(""));
    ASSERT_TRUE(alice.read_text_until(11, kWait));

    // alice may not recall carol's message; carol may.
    ASSERT_TRUE(alice.send_text(recall_json(m, R"("groupId":"g")")));
    const auto refused = alice.read_text_until(16, kWait);
    EXPECT_EQ(status_code(refused.value_or("")), 10010) << refused.value_or("");
    ASSERT_TRUE(carol.send_text(recall_json(m, R"("groupId":"g")")));
    EXPECT_EQ(status_code(carol.read_text_until(16, kWait).value_or("")), 10000);
    for (const auto& got : {alice.read_text_until(16, kWait).value_or(""),
                            bob.read_until(16, kWait).value_or(Frame{}).body}) {
        const auto o = parse_object(got);
        ASSERT_TRUE(o) << got;
        EXPECT_FALSE(o->contains("code"));
        EXPECT_EQ(o->at("data").at("groupId").as_string(), "g");
        EXPECT_EQ(o->at("data").at("id").as_string(), m.id);
        EXPECT_TRUE(o->at("data").at("recalled").as_bool());
    }
}

TEST_F(RecallTest, AnotherUsersMessageOrAWrongIdIsRefused) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const Sent m = send(alice, "bob", "mine");
    auto r = recall(bob, recall_json(m, R"("to":"alice")"));
    EXPECT_EQ(r.at("code").as_int64(), 10010);
    EXPECT_TRUE(r.contains("reason"));
    r = recall(alice,
               recall_json(Sent{"0123456789abcdef0123456789abcdef", m.seq}, R"("to":"bob")"));
    EXPECT_EQ(r.at("code").as_int64(), 10002);
    r = recall(alice, recall_json(m, R"("to":"carol")"));  // not that conversation
    EXPECT_EQ(r.at("code").as_int64(), 10002);
    r = recall(alice, R"({"cmd":15,"to":"bob"})");
    EXPECT_EQ(r.at("code").as_int64(), 10002);
    EXPECT_FALSE(bob.read_until(16, kQuiet).has_value());
    const auto h = history(alice, "alice", "bob");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].at("content").as_string(), "mine");
}

TEST_F(RecallTest, RecallAfterTheWindowIsRefusedButTheAdminMayStill) {
    ManualClock clock(SystemClock().now_ms());
    use_clock(clock);
    net::ServerOptions o;
    o.recall_window_ms = 120'000;
    o.api_key = "k";
    start(o);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const Sent m = send(alice, "bob", "too late to take back");
    ASSERT_TRUE(bob.read_until(11, kWait));
    clock.advance(120'001);
    const auto r = recall(alice, recall_json(m, R"("to":"bob")"));
    EXPECT_EQ(r.at("code").as_int64(), 10010);
    EXPECT_FALSE(bob.read_until(16, kQuiet).has_value());
    EXPECT_EQ(history(alice, "alice", "bob")[0].at("content").as_string(), "too late to take back");

    auto http = HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(http);
    const std::string body =
        R"({"from":"bob","to":"alice","id":")" + m.id + R"(","seq":)" + std::to_string(m.seq) + "}";
    auto res = http->request("POST", "/api/message/recall", {}, body, kWait);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);  // behind api.key
    res =
        http->request("POST", "/api/message/recall", {{"Authorization", "Bearer k"}}, body, kWait);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(status_code(res->body), 10000);
    EXPECT_TRUE(parse_object(res->body)->at("data").at("recalled").as_bool());
    for (TcpClient* c : {&alice, &bob}) {
        const auto push = c->read_until(16, kWait);
        ASSERT_TRUE(push);
        EXPECT_EQ(parse_object(push->body)->at("data").at("id").as_string(), m.id);
    }
    res = http->request("POST", "/api/message/recall", {{"Authorization", "Bearer k"}},
                        R"({"groupId":"g","id":"x","seq":1})", kWait);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    res = http->request("POST", "/api/message/recall", {{"Authorization", "Bearer k"}},
                        R"({"id":"x","seq":1})", kWait);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
}

TEST_F(RecallTest, AnOfflineReceiverFindsTheMessageRecalledInItsInbox) {
    TcpClient alice = login("alice");
    const Sent m = send(alice, "bob", "never mind");
    EXPECT_EQ(recall(alice, recall_json(m, R"("to":"bob")")).at("code").as_int64(), 10000);
    TcpClient bob = login("bob");
    const auto pushed = bob.read_until(11, kWait);
    ASSERT_TRUE(pushed);
    const auto d = parse_object(pushed->body)->at("data").as_object();
    EXPECT_EQ(d.at("id").as_string(), m.id);
    EXPECT_TRUE(d.at("recalled").as_bool());
    EXPECT_FALSE(d.contains("content"));
}

TEST_F(RecallTest, WithoutAStoreRecallIsUnsupported) {
    use_store("none");
    start(net::ServerOptions{});
    TcpClient alice = login("alice");
    const auto r = recall(alice, R"({"cmd":15,"id":"x","seq":1,"to":"bob"})");
    EXPECT_EQ(r.at("code").as_int64(), 10017);
}

}  // namespace
}  // namespace jim::testing
