// TCP framing robustness (spec §2.4, §11.2 #8): pipelining, byte-by-byte delivery, limits,
// bad versions and commands, synSeq.

#include <string>

#include "jim/codec/tcp_frame.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;

std::string client_frame(std::uint8_t command, std::string_view body) {
    std::string out;
    codec::tcp::encode_client(command, body, out);
    return out;
}

TEST_F(ServerTest, TwoHundredPipelinedFramesArriveInOrder) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    std::string burst;
    for (int i = 0; i < 200; ++i) {
        burst += client_frame(11, chat_json("alice", "bob", "m" + std::to_string(i)));
    }
    ASSERT_TRUE(alice.send_raw(burst));  // one write
    for (int i = 0; i < 200; ++i) {
        const auto f = bob.read_until(11, kWait);
        ASSERT_TRUE(f) << "message " << i;
        EXPECT_EQ(parse_object(f->body)->at("data").at("content").as_string(),
                  "m" + std::to_string(i));
    }
    for (int i = 0; i < 200; ++i) {
        const auto ack = alice.read_until(12, kWait);
        ASSERT_TRUE(ack) << "ack " << i;
        EXPECT_EQ(status_code(ack->body), 10000);
    }
}

TEST_F(ServerTest, OneFrameDeliveredByteByByte) {
    TcpClient c = connect();
    const std::string frame = client_frame(5, R"({"cmd":5,"password":"123","userId":"u1"})");
    for (char byte : frame) {
        ASSERT_TRUE(c.send_raw(std::string(1, byte)));
        std::this_thread::sleep_for(1ms);  // make the server see separate reads
    }
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 6);
    EXPECT_EQ(status_code(f->body), 10007);
}

TEST_F(ServerTest, OversizeDeclaredLengthClosesAtOnceWithoutBuffering) {
    net::ServerOptions o;
    o.tcp.max_body = 1024;
    start(o);
    TcpClient c = login("alice");
    // Header only: the declared 1 MiB body never arrives, yet the server closes immediately.
    ASSERT_TRUE(c.send_raw(std::string("\x01\x51\x0b\x00\x10\x00\x00", 7)));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::body_too_large) == 1; }));
}

TEST_F(ServerTest, BodyAtTheLimitIsAccepted) {
    net::ServerOptions o;
    o.tcp.max_body = 1024;
    start(o);
    TcpClient alice = login("alice");
    std::string body = R"({"cmd":11,"chatType":2,"to":"nobody","content":")";
    body += std::string(1024 - body.size() - 2, 'x') + "\"}";
    ASSERT_EQ(body.size(), 1024u);
    ASSERT_TRUE(alice.send(11, body));
    EXPECT_EQ(status_code(alice.read_until(12, kWait).value_or(Frame{}).body), 10001);
}

TEST_F(ServerTest, BadVersionClosesTheConnectionAndIsCounted) {
    TcpClient c = login("alice");
    ASSERT_TRUE(c.send_raw(std::string("\x02\x51\x0d\x00\x00\x00\x00", 7)));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::bad_version) == 1; }));
}

TEST_F(ServerTest, UnknownCommandByteClosesTheConnectionAndIsCounted) {
    TcpClient c = login("alice");
    ASSERT_TRUE(c.send_raw(std::string("\x01\x51\x80\x00\x00\x00\x00", 7)));  // -128
    EXPECT_TRUE(c.wait_closed(kWait));
    TcpClient d = login("bob");
    ASSERT_TRUE(d.send_raw(std::string("\x01\x51\x30\x00\x00\x00\x02{}", 9)));  // 48
    EXPECT_TRUE(d.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::unknown_command) == 2; }));
}

TEST_F(ServerTest, CommandWithoutHandlerGets10017OnCommand0) {
    TcpClient c = login("alice");
    ASSERT_TRUE(c.send(16, R"({"cmd":16})"));  // a J-IM code only the server sends
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 0);
    EXPECT_EQ(f->body, R"({"code":10017,"command":0,"msg":"cmd failed! 未知的cmd命令!"})");
    EXPECT_FALSE(c.wait_closed(kQuiet));
}

TEST_F(ServerTest, FrameWithPositiveSynSeqIsDroppedAndZeroIsServed) {
    TcpClient c = connect();
    std::string dropped;
    codec::tcp::encode_client(13, "{}", dropped, 0x51, true, 7);
    ASSERT_TRUE(c.send_raw(dropped));
    EXPECT_FALSE(c.read(kQuiet).has_value());
    std::string served;
    codec::tcp::encode_client(13, "{}", served, 0x51, true, 0);
    ASSERT_TRUE(c.send_raw(served));
    const auto f = c.read(kWait);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->command, 13);
    EXPECT_EQ(server().stats().syn_seq_dropped, 1u);
}

TEST_F(ServerTest, AnyMaskIsAccepted) {
    TcpClient c = connect();
    std::string frame;
    codec::tcp::encode_client(13, "{}", frame, 0x00);
    ASSERT_TRUE(c.send_raw(frame));
    EXPECT_TRUE(c.read_until(13, kWait).has_value());
}

}  // namespace
}  // namespace jim::testing
