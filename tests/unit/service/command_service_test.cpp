// The JSON every command answers with, checked without a network through fake Peer/Delivery
// (CONVENTIONS: "handlers never see sockets").

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {
namespace {

struct Sent {
    std::uint8_t command;
    std::string body;
};

class FakePeer final : public Peer {
  public:
    explicit FakePeer(std::uint32_t slot) : ref_{0, slot, 1} {}
    router::SessionRef ref() const noexcept override { return ref_; }
    std::string_view user() const noexcept override { return user_; }
    std::string_view terminal() const noexcept override { return "tcp"; }
    void send(std::uint8_t command, SharedBytes body) override {
        sent.push_back({command, std::string(body.view())});
    }
    std::size_t bind_user(const proto::User& u) override {
        user_ = u.user_id;
        return 1;
    }
    void close(Errc reason) override { closed.push_back(reason); }

    std::vector<Sent> sent;
    std::vector<Errc> closed;

  private:
    router::SessionRef ref_;
    std::string user_;
};

class FakeDelivery final : public Delivery {
  public:
    std::size_t send_to_user(std::string_view user, std::uint8_t command, const SharedBytes& body,
                             router::SessionRef exclude) override {
        std::size_t n = 0;
        for (auto* p : sessions[std::string(user)]) {
            if (p->ref() == exclude) continue;
            p->send(command, body);
            ++n;
        }
        return n;
    }
    void send_to_session(router::SessionRef session, std::uint8_t command,
                         const SharedBytes& body) override {
        for (auto* p : all) {
            if (p->ref() == session) {
                p->send(command, body);
                return;
            }
        }
    }
    std::vector<FakePeer*> all;  // every peer a test used, logged in or not
    std::size_t close_user(std::string_view user, Errc reason) override {
        for (auto* p : sessions[std::string(user)]) p->close(reason);
        return sessions[std::string(user)].size();
    }
    bool online(std::string_view user) override {
        const auto it = sessions.find(std::string(user));
        return it != sessions.end() && !it->second.empty();
    }
    std::vector<SessionEntry> sessions_of(std::string_view user) override {
        std::vector<SessionEntry> out;
        for (auto* p : sessions[std::string(user)]) out.push_back({p->ref(), p->terminal()});
        return out;
    }
    void close_session(router::SessionRef session, Errc reason) override {
        for (auto* p : all) {
            if (p->ref() == session) p->close(reason);
        }
    }
    std::map<std::string, std::vector<FakePeer*>> sessions;
};

class CommandServiceTest : public ::testing::Test {
  protected:
    std::string run(FakePeer& p, std::uint8_t cmd, std::string_view body) {
        track(p);
        p.sent.clear();
        service_.handle(p, ctx_, cmd, body);
        EXPECT_EQ(p.sent.size(), 1u);
        return p.sent.empty() ? std::string() : p.sent.back().body;
    }
    void track(FakePeer& p) {
        if (std::find(delivery_.all.begin(), delivery_.all.end(), &p) == delivery_.all.end()) {
            delivery_.all.push_back(&p);
        }
    }
    void login(FakePeer& p, const std::string& user) {
        run(p, 5, R"({"userId":")" + user + R"(","password":"x"})");
        delivery_.sessions[user].push_back(&p);
    }

    std::unique_ptr<auth::Authenticator> auth_ = auth::make_open_authenticator();
    FakeDelivery delivery_;
    ManualClock clock_{1588300000000};
    router::Groups groups_;
    CommandService service_{*auth_, delivery_, groups_, clock_};
    // No store and a synchronous authenticator in these tests: nothing is posted or resumed.
    WorkerContext ctx_{proto::MessageIdGenerator(7, 0), [](std::function<void()> fn) { fn(); },
                       [](router::SessionRef, const std::function<void(Peer&)>&) {}};
};

TEST_F(CommandServiceTest, Handshake) {
    FakePeer p(1);
    EXPECT_EQ(run(p, 1, ""), R"({"command":2,"data":{"hbyte":-127}})");
    EXPECT_EQ(p.sent[0].command, 2);
}

TEST_F(CommandServiceTest, Heartbeat) {
    FakePeer p(1);
    EXPECT_EQ(run(p, 13, "\x80"), R"({"command":13,"data":{"hbbyte":-128}})");
    EXPECT_EQ(p.sent[0].command, 13);
}

TEST_F(CommandServiceTest, AuthEchoesRequestMembersExceptCmd) {
    FakePeer p(1);
    EXPECT_EQ(
        run(p, 3, R"({"cmd":3,"token":"t","id":"x"})"),
        R"({"code":10009,"command":4,"data":{"id":"x","token":"tauthKey"},"msg":"ok 鉴权成功!"})");
    EXPECT_EQ(
        run(p, 3, "nope"),
        R"({"code":10010,"command":4,"msg":"auth failed! 鉴权失败!","reason":"body is not JSON"})");
}

TEST_F(CommandServiceTest, LoginOkAndFailed) {
    FakePeer p(1);
    EXPECT_EQ(
        run(p, 5, R"({"cmd":5,"userId":"u1","password":"123"})"),
        R"({"code":10007,"command":6,"msg":"ok 登录成功!","user":{"nick":"u1","status":"online","terminal":"tcp","userId":"u1"}})");
    EXPECT_EQ(p.user(), "u1");
    FakePeer q(2);
    EXPECT_EQ(
        run(q, 5, R"({"cmd":5,"password":"123"})")
            .rfind(R"({"code":10008,"command":6,"msg":"login failed ! 登录失败!","reason":)", 0),
        0u);
    EXPECT_EQ(q.closed, std::vector<Errc>{Errc::login_failed});
    FakePeer r(3);
    run(r, 5, "{bad");
    EXPECT_EQ(r.closed, std::vector<Errc>{Errc::login_failed});
}

TEST_F(CommandServiceTest, ChatAckAndPushShapes) {
    FakePeer a(1), b(2);
    login(a, "u1");
    login(b, "u2");
    a.sent.clear();
    b.sent.clear();
    service_.handle(a, ctx_, 11, R"({"cmd":11,"chatType":2,"to":"u2","content":"hi","msgType":0})");
    ASSERT_EQ(a.sent.size(), 1u);
    ASSERT_EQ(b.sent.size(), 1u);
    EXPECT_EQ(a.sent[0].command, 12);
    // 12 hex digits of createTime (0x171ce0eab00), the generator (7), then the counter (0).
    const std::string id =
        "0171ce0eab00"
        "0007"
        "0000000000000000";
    EXPECT_EQ(a.sent[0].body,
              R"({"code":10000,"command":12,"data":{"createTime":1588300000000,"id":")" + id +
                  R"("},"msg":"ok 发送成功"})");
    EXPECT_EQ(b.sent[0].command, 11);
    EXPECT_EQ(
        b.sent[0].body,
        R"({"command":11,"data":{"cmd":11,"chatType":2,"to":"u2","content":"hi","msgType":0,"from":"u1","id":")" +
            id + R"(","createTime":1588300000000}})");
}

TEST_F(CommandServiceTest, ChatToOfflineUser) {
    FakePeer a(1);
    login(a, "u1");
    const auto body = run(a, 11, R"({"chatType":2,"to":"ghost","content":"hi"})");
    EXPECT_EQ(body.rfind(R"({"code":10001,"command":12,"data":{)", 0), 0u) << body;
}

TEST_F(CommandServiceTest, CommandsNeedingLoginAnswerOnTheirReplyCommand) {
    FakePeer p(1);
    EXPECT_EQ(
        run(p, 11, R"({"chatType":2,"to":"u2"})"),
        R"({"code":10010,"command":12,"msg":"auth failed! 鉴权失败!","reason":"login required"})");
}

TEST_F(CommandServiceTest, CommandsWithoutHandlerAnswer10017) {
    FakePeer p(1);
    login(p, "u1");
    for (int cmd : {0, 2, 4, 6, 8, 9, 10, 12, 16, 18, 20}) {
        EXPECT_EQ(run(p, static_cast<std::uint8_t>(cmd), "{}"),
                  R"({"code":10017,"command":0,"msg":"cmd failed! 未知的cmd命令!"})")
            << cmd;
        EXPECT_EQ(p.sent.back().command, 0);
    }
}

TEST_F(CommandServiceTest, CloseShapes) {
    FakePeer p(1);
    login(p, "u1");
    EXPECT_EQ(
        run(p, 14, R"({"userId":"u2"})"),
        R"({"code":10020,"command":14,"msg":"Invalid verification! 不合法校验","reason":"a session may only close its own user"})");
    EXPECT_TRUE(p.closed.empty());
    EXPECT_EQ(run(p, 14, ""), R"({"code":10021,"command":14,"msg":"close ok! 关闭成功"})");
    EXPECT_EQ(p.closed, std::vector<Errc>{Errc::ok});
}

TEST_F(CommandServiceTest, GroupChatNeedsMembership) {
    FakePeer p(1), q(2);
    login(p, "u1");
    login(q, "u2");
    q.sent.clear();
    const auto refused = run(p, 11, R"({"chatType":1,"groupId":"100","content":"hi"})");
    EXPECT_EQ(refused.rfind(R"({"code":10010,"command":12,)", 0), 0u) << refused;
    EXPECT_TRUE(q.sent.empty());
    groups_.join("100", "u1");
    groups_.join("100", "u2");
    p.sent.clear();
    q.sent.clear();
    service_.handle(p, ctx_, 11, R"({"chatType":1,"groupId":"100","content":"hi all"})");
    ASSERT_EQ(p.sent.size(), 1u);  // the ack only: the sending session gets no copy
    EXPECT_EQ(p.sent[0].body.rfind(R"({"code":10000,"command":12,)", 0), 0u);
    ASSERT_EQ(q.sent.size(), 1u);
    EXPECT_NE(q.sent[0].body.find(R"("content":"hi all")"), std::string::npos);
}

TEST_F(CommandServiceTest, JoinRepliesAndNotifiesMembers) {
    FakePeer p(1), q(2);
    login(p, "u1");
    login(q, "u2");
    groups_.join("g1", "u2");
    p.sent.clear();
    q.sent.clear();
    service_.handle(p, ctx_, 7, R"({"cmd":7,"groupId":"g1"})");
    // The joiner: its own cmd 9 (it is a member now) and the cmd-8 reply J-IM never sent.
    ASSERT_EQ(p.sent.size(), 2u);
    EXPECT_EQ(
        p.sent[1].body,
        R"({"code":10011,"command":8,"group":"g1","msg":"join group ok! 加入群组成功!","result":1})");
    ASSERT_EQ(q.sent.size(), 1u);
    EXPECT_EQ(q.sent[0].command, 9);
    EXPECT_EQ(
        q.sent[0].body,
        R"({"code":10011,"command":9,"group":"g1","msg":"join group ok! 加入群组成功!","user":{"nick":"u1","status":"online","userId":"u1"}})");
}

TEST_F(CommandServiceTest, LeaveNotifiesWithExitShape) {
    FakePeer p(1), q(2);
    login(p, "u1");
    login(q, "u2");
    groups_.join("g1", "u1");
    groups_.join("g1", "u2");
    p.sent.clear();
    q.sent.clear();
    service_.handle(p, ctx_, 21, R"({"cmd":21,"groupId":"g1"})");
    ASSERT_EQ(p.sent.size(), 2u);  // its own cmd 10 (other devices learn of it), then cmd 22
    EXPECT_EQ(p.sent[1].body.rfind(R"({"code":10000,"command":22,"group":"g1",)", 0), 0u);
    ASSERT_EQ(q.sent.size(), 1u);
    EXPECT_EQ(
        q.sent[0].body,
        R"({"command":10,"data":{"group":"g1","user":{"nick":"u1","status":"offline","userId":"u1"}}})");
    EXPECT_FALSE(groups_.is_member("g1", "u1"));
}

TEST_F(CommandServiceTest, GetUserListsGroupsWithMembersByType) {
    FakePeer p(1);
    login(p, "u1");
    groups_.join("g1", "u1");
    groups_.join("g1", "ghost");
    EXPECT_EQ(
        run(p, 17, R"({"cmd":17,"type":0,"userId":"u1"})"),
        R"({"code":10005,"command":18,"data":{"nick":"u1","status":"online","userId":"u1","groups":[{"groupId":"g1","name":"g1","online":1,"users":[{"nick":"u1","status":"online","userId":"u1"}]}]},"msg":"ok 获取所有在线用户信息成功!"})");
    const auto offline = run(p, 17, R"({"cmd":17,"type":1,"userId":"u1"})");
    EXPECT_NE(offline.find(R"("users":[{"nick":"ghost","status":"offline","userId":"ghost"}])"),
              std::string::npos)
        << offline;
    EXPECT_EQ(run(p, 17, R"({"cmd":17,"userId":"u1"})").rfind(R"({"code":10004,)", 0), 0u);
}

}  // namespace
}  // namespace jim::service

namespace jim::service {
namespace {

TEST_F(CommandServiceTest, RecallWithoutAStoreIsUnsupportedAndBadBodiesAreRefused) {
    FakePeer p(1);
    login(p, "u1");
    EXPECT_EQ(proto::parse_object(run(p, 15, "[1]"))->at("code").as_int64(), 10002);
    EXPECT_EQ(proto::parse_object(run(p, 15, R"({"to":"u2","seq":1})"))->at("code").as_int64(),
              10002);
    EXPECT_EQ(proto::parse_object(run(p, 15, R"({"id":"x","seq":1})"))->at("code").as_int64(),
              10002);
    const auto o = proto::parse_object(run(p, 15, R"({"id":"x","seq":1,"to":"u2"})"));
    EXPECT_EQ(o->at("code").as_int64(), 10017);
    EXPECT_EQ(o->at("command").as_int64(), 16);
}

}  // namespace
}  // namespace jim::service
