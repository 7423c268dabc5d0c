// The JSON every command answers with, checked without a network through fake Peer/Delivery
// (CONVENTIONS: "handlers never see sockets").

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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
    void bind_user(const proto::User& u) override { user_ = u.user_id; }
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
        for (auto* p : online[std::string(user)]) {
            if (p->ref() == exclude) continue;
            p->send(command, body);
            ++n;
        }
        return n;
    }
    std::size_t close_user(std::string_view user, Errc reason) override {
        for (auto* p : online[std::string(user)]) p->close(reason);
        return online[std::string(user)].size();
    }
    std::map<std::string, std::vector<FakePeer*>> online;
};

class CommandServiceTest : public ::testing::Test {
protected:
    std::string run(FakePeer& p, std::uint8_t cmd, std::string_view body) {
        p.sent.clear();
        service_.handle(p, ctx_, cmd, body);
        EXPECT_EQ(p.sent.size(), 1u);
        return p.sent.empty() ? std::string() : p.sent.back().body;
    }
    void login(FakePeer& p, const std::string& user) {
        run(p, 5, R"({"userId":")" + user + R"(","password":"x"})");
        delivery_.online[user].push_back(&p);
    }

    std::unique_ptr<auth::Authenticator> auth_ = auth::make_open_authenticator();
    FakeDelivery delivery_;
    ManualClock clock_{1588300000000};
    CommandService service_{*auth_, delivery_, clock_};
    WorkerContext ctx_{proto::MessageIdGenerator(7, 0)};
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
    EXPECT_EQ(run(p, 3, R"({"cmd":3,"token":"t","id":"x"})"),
              R"({"code":10009,"command":4,"data":{"id":"x","token":"tauthKey"},"msg":"ok 鉴权成功!"})");
    EXPECT_EQ(run(p, 3, "nope"),
              R"({"code":10010,"command":4,"msg":"auth failed! 鉴权失败!","reason":"body is not JSON"})");
}

TEST_F(CommandServiceTest, LoginOkAndFailed) {
    FakePeer p(1);
    EXPECT_EQ(run(p, 5, R"({"cmd":5,"userId":"u1","password":"123"})"),
              R"({"code":10007,"command":6,"msg":"ok 登录成功!","user":{"nick":"u1","status":"online","terminal":"tcp","userId":"u1"}})");
    EXPECT_EQ(p.user(), "u1");
    FakePeer q(2);
    EXPECT_EQ(run(q, 5, R"({"cmd":5,"password":"123"})").rfind(
                  R"({"code":10008,"command":6,"msg":"login failed ! 登录失败!","reason":)", 0),
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
    const std::string id = "0171ce0eab00" "0007" "0000000000000000";
    EXPECT_EQ(a.sent[0].body, R"({"code":10000,"command":12,"data":{"createTime":1588300000000,"id":")" +
                                  id + R"("},"msg":"ok 发送成功"})");
    EXPECT_EQ(b.sent[0].command, 11);
    EXPECT_EQ(b.sent[0].body,
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
    EXPECT_EQ(run(p, 11, R"({"chatType":2,"to":"u2"})"),
              R"({"code":10010,"command":12,"msg":"auth failed! 鉴权失败!","reason":"login required"})");
}

TEST_F(CommandServiceTest, CommandsWithoutHandlerAnswer10017) {
    FakePeer p(1);
    login(p, "u1");
    for (int cmd : {0, 2, 4, 6, 8, 9, 10, 12, 15, 16, 18, 20}) {
        EXPECT_EQ(run(p, static_cast<std::uint8_t>(cmd), "{}"), R"({"code":10017,"command":0,"msg":"cmd failed! 未知的cmd命令!"})")
            << cmd;
        EXPECT_EQ(p.sent.back().command, 0);
    }
}

TEST_F(CommandServiceTest, CloseShapes) {
    FakePeer p(1);
    login(p, "u1");
    EXPECT_EQ(run(p, 14, R"({"userId":"u2"})"),
              R"({"code":10020,"command":14,"msg":"Invalid verification! 不合法校验","reason":"a session may only close its own user"})");
    EXPECT_TRUE(p.closed.empty());
    EXPECT_EQ(run(p, 14, ""), R"({"code":10021,"command":14,"msg":"close ok! 关闭成功"})");
    EXPECT_EQ(p.closed, std::vector<Errc>{Errc::ok});
}

TEST_F(CommandServiceTest, GroupChatIsRefusedClearlyUntilGroupsExist) {
    FakePeer p(1);
    login(p, "u1");
    const auto body = run(p, 11, R"({"chatType":1,"groupId":"100","content":"hi"})");
    EXPECT_EQ(body.rfind(R"({"code":10002,"command":12,)", 0), 0u) << body;
}

}  // namespace
}  // namespace jim::service
