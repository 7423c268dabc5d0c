// Login, heartbeat, handshake, auth and close over the TCP protocol (spec §6.1-6.3, §6.9, §6.10).

#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::int_member;
using client::parse_object;
using client::status_code;
using client::string_member;

TEST_F(ServerTest, LoginRepliesWithTheUserAndMarksItOnline) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send(5, R"({"cmd":5,"userId":"alice","password":"123"})"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 6);
    const auto o = parse_object(f->body);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->at("code").as_int64(), 10007);
    EXPECT_EQ(o->at("command").as_int64(), 6);
    EXPECT_EQ(o->at("msg").as_string(), "ok 登录成功!");
    EXPECT_EQ(o->at("user").at("userId").as_string(), "alice");
    EXPECT_EQ(o->at("user").at("terminal").as_string(), "tcp");
    EXPECT_TRUE(eventually([&] { return server().registry().online("alice"); }));
}

TEST_F(ServerTest, LoginWithoutUserIdFailsWith10008AndCloses) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send(5, R"({"cmd":5,"password":"123"})"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 6);
    EXPECT_EQ(status_code(f->body), 10008);
    EXPECT_TRUE(c.wait_closed(kWait));
}

TEST_F(ServerTest, StaticAuthAcceptsTheRightPasswordOnly) {
    char dir[] = "/tmp/jim-auth-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string file = std::string(dir) + "/users";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fprintf(f, "# test users\n%s\n",
                     auth::hash_password_line("bob", "s3cret", 1000).c_str());
        std::fclose(f);
    }
    use_authenticator(auth::make_static_authenticator(file));
    start({});
    TcpClient good = connect();
    EXPECT_EQ(status_code(good.login("bob", "s3cret", kWait).value_or("")), 10007);
    TcpClient bad = connect();
    EXPECT_EQ(status_code(bad.login("bob", "wrong", kWait).value_or("")), 10008);
    EXPECT_TRUE(bad.wait_closed(kWait));
    TcpClient unknown = connect();
    EXPECT_EQ(status_code(unknown.login("mallory", "s3cret", kWait).value_or("")), 10008);
    std::remove(file.c_str());
    rmdir(dir);
}

TEST_F(ServerTest, HeartbeatIsAnsweredWithHbbyte) {
    TcpClient c = login("alice");
    // The Java demo client's heartbeat: command 13 with a raw, non-JSON one-byte body.
    ASSERT_TRUE(c.send_raw(std::string("\x01\x51\x0d\x00\x00\x00\x01\x80", 8)));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 13);
    EXPECT_EQ(f->body, R"({"command":13,"data":{"hbbyte":-128}})");
}

TEST_F(ServerTest, HeartbeatWorksBeforeLogin) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send(13, "{}"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 13);
}

TEST_F(ServerTest, HandshakeIsAnsweredWithHbyte) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send(1, ""));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 2);
    EXPECT_EQ(f->body, R"({"command":2,"data":{"hbyte":-127}})");
}

TEST_F(ServerTest, AuthEchoesTheTokenLikeJim) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send(3, R"({"cmd":3,"token":"abc"})"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 4);
    EXPECT_EQ(f->body,
              R"({"code":10009,"command":4,"data":{"token":"abcauthKey"},"msg":"ok 鉴权成功!"})");
}

TEST_F(ServerTest, CloseRepliesThenClosesTheConnection) {
    TcpClient c = login("alice");
    ASSERT_TRUE(c.send(14, R"({"cmd":14})"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 14);
    EXPECT_EQ(f->body, R"({"code":10021,"command":14,"msg":"close ok! 关闭成功"})");
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return !server().registry().online("alice"); }));
}

TEST_F(ServerTest, CloseWithOwnUserIdClosesEveryDevice) {
    TcpClient phone = login("alice");
    TcpClient laptop = login("alice");
    ASSERT_TRUE(phone.send(14, R"({"cmd":14,"userId":"alice"})"));
    EXPECT_EQ(status_code(phone.read_until(14, kWait).value_or(client::Frame{}).body), 10021);
    EXPECT_TRUE(phone.wait_closed(kWait));
    EXPECT_TRUE(laptop.wait_closed(kWait));
}

TEST_F(ServerTest, CloseOfAnotherUserIsRefused) {
    TcpClient victim = login("bob");
    TcpClient attacker = login("mallory");
    ASSERT_TRUE(attacker.send(14, R"({"cmd":14,"userId":"bob"})"));
    const auto f = attacker.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(status_code(f->body), 10020);
    EXPECT_FALSE(victim.wait_closed(kQuiet));
    EXPECT_FALSE(attacker.wait_closed(kQuiet));
    EXPECT_TRUE(server().registry().online("bob"));
}

TEST_F(ServerTest, CloseWithBadJsonAnswers10020AndStaysOpen) {
    TcpClient c = login("alice");
    ASSERT_TRUE(c.send(14, "{not json"));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(status_code(f->body), 10020);
    EXPECT_FALSE(c.wait_closed(kQuiet));
}

TEST_F(ServerTest, IdleSessionIsClosedAfterHeartbeatTimeout) {
    net::ServerOptions o;
    o.heartbeat_timeout_ms = 500;
    o.tick_ms = 20;
    start(o);
    TcpClient idle = login("idle");
    TcpClient lively = login("lively");
    // lively keeps sending heartbeats (every ~30 ms, far inside the timeout even on a loaded
    // machine); idle sends nothing.
    const auto end = std::chrono::steady_clock::now() + 1500ms;
    bool idle_closed = false;
    while (std::chrono::steady_clock::now() < end) {
        ASSERT_TRUE(lively.send(13, "{}"));
        ASSERT_TRUE(lively.read_until(13, kWait));
        idle_closed = idle_closed || idle.wait_closed(30ms);
    }
    EXPECT_TRUE(idle_closed || idle.wait_closed(kWait));
    EXPECT_FALSE(lively.wait_closed(kQuiet));
    EXPECT_GE(server().stats().closed_by(Errc::idle_timeout), 1u);
}

TEST_F(ServerTest, ConnectionThatNeverLogsInIsClosedAfterLoginTimeout) {
    net::ServerOptions o;
    o.login_timeout_ms = 200;
    o.tick_ms = 20;
    start(o);
    TcpClient c = connect();
    ASSERT_TRUE(c.send(13, "{}"));  // activity does not extend the login deadline
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::login_timeout) == 1; }));
}

}  // namespace
}  // namespace jim::testing
