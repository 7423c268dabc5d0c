// WebSocket on the shared port (RFC 6455; spec §3 with §11.2 #11 fixed).

#include "client/ws_client.hpp"
#include "jim/codec/ws_frame.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;
using client::WsClient;
using client::WsMessage;

class WsTest : public ServerTest {
  protected:
    WsClient ws(const std::string& path = "/", const client::WsOptions& options = {}) {
        auto c = WsClient::connect("127.0.0.1", server().port(), path, kWait, options);
        EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
        return std::move(*c);
    }
    WsClient ws_login(const std::string& user) {
        WsClient c = ws("/?username=" + user + "&password=123");
        const auto reply = c.read_text_until(6, kWait);
        EXPECT_TRUE(reply.has_value());
        EXPECT_EQ(status_code(reply.value_or("")), 10007);
        return c;
    }
    // The close frame the server sends, or nullopt.
    static std::optional<std::uint16_t> close_code(WsClient& c) {
        const auto m = c.read_until([](const WsMessage& msg) { return msg.opcode == 0x8; }, kWait);
        if (!m) return std::nullopt;
        return m->close_code;
    }
};

TEST_F(WsTest, LoginThroughTheQueryLikeTheJimDemo) {
    WsClient c = ws("/any/path?username=alice&password=123");
    const auto reply = c.read_text_until(6, kWait);
    ASSERT_TRUE(reply);
    const auto o = parse_object(*reply);
    EXPECT_EQ(o->at("code").as_int64(), 10007);
    EXPECT_EQ(o->at("user").at("terminal").as_string(), "ws");
    EXPECT_TRUE(eventually([&] { return server().registry().online("alice"); }));
}

TEST_F(WsTest, LoginWithCmd5AfterTheUpgrade) {
    WsClient c = ws("/");
    ASSERT_TRUE(c.send_text(R"({"cmd":5,"userId":"bob","password":"123"})"));
    const auto reply = c.read_text_until(6, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(status_code(*reply), 10007);
}

TEST_F(WsTest, WsAndTcpChatBothWays) {
    WsClient web = ws_login("web");
    TcpClient app = login("app");
    ASSERT_TRUE(web.send_text(chat_json("web", "app", "from the browser")));
    EXPECT_EQ(status_code(web.read_text_until(12, kWait).value_or("")), 10000);
    const auto push = app.read_until(11, kWait);
    ASSERT_TRUE(push);
    EXPECT_EQ(parse_object(push->body)->at("data").at("content").as_string(), "from the browser");

    ASSERT_TRUE(app.send(11, chat_json("app", "web", "from the app")));
    const auto text = web.read_text_until(11, kWait);
    ASSERT_TRUE(text);
    const auto o = parse_object(*text);
    EXPECT_EQ(o->at("command").as_int64(), 11);
    EXPECT_EQ(o->at("data").at("content").as_string(), "from the app");
}

TEST_F(WsTest, ServerSendsTextFrames) {
    WsClient c = ws("/?username=t&password=1");
    const auto m = c.read_until([](const WsMessage& msg) { return msg.is_data(); }, kWait);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->is_text());
    EXPECT_FALSE(m->masked);
}

TEST_F(WsTest, PingIsAnsweredWithPong) {
    WsClient c = ws_login("pinger");
    ASSERT_TRUE(c.send_ping("are you there"));
    const auto m = c.read_until([](const WsMessage& msg) { return msg.opcode == 0xA; }, kWait);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "are you there");
}

TEST_F(WsTest, CloseHandshakeEchoesTheCode) {
    WsClient c = ws_login("closer");
    ASSERT_TRUE(c.send_close(1000, "bye"));
    EXPECT_EQ(close_code(c), std::optional<std::uint16_t>(1000));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return !server().registry().online("closer"); }));
}

TEST_F(WsTest, CloseCommandSendsACloseFrame) {
    WsClient c = ws_login("cmd14");
    ASSERT_TRUE(c.send_text(R"({"cmd":14})"));
    EXPECT_EQ(status_code(c.read_text_until(14, kWait).value_or("")), 10021);
    EXPECT_EQ(close_code(c), std::optional<std::uint16_t>(1000));
    EXPECT_TRUE(c.wait_closed(kWait));
}

TEST_F(WsTest, OversizeMessageClosesWith1009EvenInFragments) {
    net::ServerOptions o;
    o.max_ws_message = 1000;
    start(o);
    WsClient one = ws_login("big1");
    ASSERT_TRUE(one.send_text(std::string(1001, 'x')));
    EXPECT_EQ(close_code(one), std::optional<std::uint16_t>(1009));

    WsClient frag = ws_login("big2");
    ASSERT_TRUE(frag.send_frame_raw(false, 0x1, std::string(600, 'a')));
    ASSERT_TRUE(frag.send_frame_raw(true, 0x0, std::string(600, 'b')));
    EXPECT_EQ(close_code(frag), std::optional<std::uint16_t>(1009));
}

TEST_F(WsTest, FragmentedMessageIsReassembled) {
    WsClient c = ws("/");
    const std::string login = R"({"cmd":5,"userId":"frag","password":"123"})";
    ASSERT_TRUE(c.send_frame_raw(false, 0x1, login.substr(0, 10)));
    ASSERT_TRUE(c.send_ping("in between"));  // control frames may interleave
    ASSERT_TRUE(c.send_frame_raw(false, 0x0, login.substr(10, 10)));
    ASSERT_TRUE(c.send_frame_raw(true, 0x0, login.substr(20)));
    EXPECT_EQ(status_code(c.read_text_until(6, kWait).value_or("")), 10007);
}

TEST_F(WsTest, UnmaskedClientFrameClosesWith1002) {
    WsClient c = ws_login("unmasked");
    ASSERT_TRUE(c.send_frame_raw(true, 0x1, R"({"cmd":13})", /*masked=*/false));
    EXPECT_EQ(close_code(c), std::optional<std::uint16_t>(1002));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::ws_protocol) == 1; }));
}

TEST_F(WsTest, RsvBitsAndUnknownOpcodesCloseWith1002) {
    WsClient rsv = ws_login("rsv");
    ASSERT_TRUE(rsv.send_frame_raw(true, 0x1, R"({"cmd":13})", true, /*rsv=*/4));
    EXPECT_EQ(close_code(rsv), std::optional<std::uint16_t>(1002));
    WsClient op = ws_login("opcode");
    ASSERT_TRUE(op.send_frame_raw(true, 0x3, "x"));
    EXPECT_EQ(close_code(op), std::optional<std::uint16_t>(1002));
    WsClient cont = ws_login("continuation");
    ASSERT_TRUE(cont.send_frame_raw(true, 0x0, "nothing to continue"));
    EXPECT_EQ(close_code(cont), std::optional<std::uint16_t>(1002));
}

TEST_F(WsTest, InvalidUtf8TextClosesWith1007) {
    WsClient c = ws_login("utf8");
    ASSERT_TRUE(c.send_text(std::string("{\"cmd\":13,\"x\":\"\xC3\x28\"}")));
    EXPECT_EQ(close_code(c), std::optional<std::uint16_t>(1007));
}

TEST_F(WsTest, BinaryFramesCarryTheSameJson) {
    WsClient c = ws("/");
    ASSERT_TRUE(c.send_binary(R"({"cmd":5,"userId":"bin","password":"123"})"));
    EXPECT_EQ(status_code(c.read_text_until(6, kWait).value_or("")), 10007);
}

TEST_F(WsTest, MessageWithoutValidCmdGets10017AndStaysOpen) {
    WsClient c = ws_login("nocmd");
    for (const char* text : {"not json", R"({"x":1})", R"({"cmd":99})"}) {
        ASSERT_TRUE(c.send_text(text));
        const auto reply = c.read_text_until(0, kWait);
        ASSERT_TRUE(reply) << text;
        EXPECT_EQ(status_code(*reply), 10017) << text;
    }
    ASSERT_TRUE(c.send_text(R"({"cmd":13})"));
    EXPECT_TRUE(c.read_text_until(13, kWait).has_value());
}

TEST_F(WsTest, SubprotocolIsEchoed) {
    client::WsOptions options;
    options.subprotocols = {"jim.v1", "chat"};
    WsClient c = ws("/", options);
    EXPECT_EQ(c.subprotocol(), "jim.v1");
}

TEST_F(WsTest, BadHandshakeGetsA400) {
    TcpClient raw = connect();
    ASSERT_TRUE(
        raw.send_raw("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 8\r\n\r\n"));
    EXPECT_TRUE(raw.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::bad_handshake) == 1; }));
}

TEST_F(WsTest, FailedQueryLoginSends10008AndCloses) {
    WsClient c = ws("/?username=&password=1");
    EXPECT_EQ(status_code(c.read_text_until(6, kWait).value_or("")), 10008);
    EXPECT_EQ(close_code(c), std::optional<std::uint16_t>(1008));
}

TEST_F(WsTest, IdleWebSocketIsPingedAndStaysWhileItAnswers) {
    net::ServerOptions o;
    o.heartbeat_timeout_ms = 400;
    o.tick_ms = 20;
    start(o);
    WsClient c = ws_login("idle-browser");  // the client library answers pings like a browser
    const auto ping = c.read_until([](const WsMessage& msg) { return msg.opcode == 0x9; }, kWait);
    ASSERT_TRUE(ping) << "the server should ping an idle WebSocket";
    EXPECT_FALSE(c.wait_closed(600ms));
}

}  // namespace
}  // namespace jim::testing
