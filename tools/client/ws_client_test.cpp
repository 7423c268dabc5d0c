// WsClient against in-test fake servers, over plain TCP and TLS (every TEST_P runs twice), and
// the client's framing helpers against RFC 6455's own examples. The fake servers build and
// parse frames by hand, independently of ws_wire.cpp.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/client.hpp"
#include "client/fake_server.hpp"
#include "client/test_tls.hpp"

namespace jim::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeServer;
using testing::ServerConn;

constexpr auto kTimeout = 5s;

// --- the fake server's side of the protocol, written by hand --------------------------------

// An unmasked server frame with the first byte given (FIN/RSV/opcode), shortest length form.
std::string server_frame(std::uint8_t first, std::string_view payload) {
    std::string out(1, static_cast<char>(first));
    const std::size_t n = payload.size();
    if (n < 126) {
        out.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
        out += {'\x7e', static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)};
    } else {
        out.push_back('\x7f');
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
    }
    return out.append(payload);
}

std::string text_frame(std::string_view payload) {
    return server_frame(0x81, payload);
}

struct ClientFrame {
    std::uint8_t first = 0;  // FIN/RSV/opcode byte
    bool masked = false;
    std::string payload;  // unmasked
};

std::optional<ClientFrame> read_client_frame(ServerConn& c) {
    const auto head = c.read_exact(2);
    if (!head) return std::nullopt;
    ClientFrame f{static_cast<std::uint8_t>((*head)[0]), ((*head)[1] & 0x80) != 0, {}};
    std::uint64_t n = static_cast<std::uint8_t>((*head)[1]) & 0x7F;
    if (n >= 126) {
        const auto ext = c.read_exact(n == 126 ? 2 : 8);
        if (!ext) return std::nullopt;
        n = 0;
        for (char b : *ext) n = (n << 8) | static_cast<std::uint8_t>(b);
    }
    std::string key = f.masked ? c.read_exact(4).value_or("") : std::string();
    auto payload = c.read_exact(static_cast<std::size_t>(n));
    if (!payload || (f.masked && key.size() != 4)) return std::nullopt;
    for (std::size_t i = 0; f.masked && i < payload->size(); ++i) (*payload)[i] ^= key[i % 4];
    f.payload = std::move(*payload);
    return f;
}

// The value of header `name` (given in lower case) in a request head, or "".
std::string header_value(const std::string& head, const std::string& name) {
    std::string lower = head;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    auto begin = at + name.size() + 3;
    while (head[begin] == ' ') ++begin;
    return head.substr(begin, head.find("\r\n", begin) - begin);
}

// Reads the upgrade request and answers 101 the way J-IM does (lower-case names, odd case in
// the Upgrade value), plus `extra` header lines and `after` in the same write.
std::string accept_upgrade(ServerConn& c, const std::string& extra = "",
                           const std::string& after = "") {
    const auto head = c.read_until("\r\n\r\n");
    if (!head) return "";
    c.write(
        "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: WebSocket\r\n"
        "sec-websocket-accept: " +
        ws::accept_for(header_value(*head, "sec-websocket-key")) + "\r\n" + extra +
        "content-length: 0\r\n\r\n" + after);
    return *head;
}

// --- framing helpers against RFC 6455 -------------------------------------------------------

TEST(WsWire, AcceptKeyMatchesRfc6455Example) {
    EXPECT_EQ(ws::accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(ws::random_key().size(), 24u);
    EXPECT_NE(ws::random_key(), ws::random_key());
}

TEST(WsWire, EncodesRfc6455Examples) {
    std::string out;
    ws::encode(true, ws::kText, "Hello", std::nullopt, 0, out);
    EXPECT_EQ(out, "\x81\x05Hello");
    out.clear();
    ws::encode(true, ws::kText, "Hello", ws::MaskKey{0x37, 0xfa, 0x21, 0x3d}, 0, out);
    EXPECT_EQ(out, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    out.clear();
    ws::encode(true, ws::kBinary, std::string(256, 'x'), std::nullopt, 0, out);
    EXPECT_EQ(out.substr(0, 4), std::string("\x82\x7e\x01\x00", 4));
    out.clear();
    ws::encode(true, ws::kBinary, std::string(65536, 'x'), std::nullopt, 0, out);
    EXPECT_EQ(out.substr(0, 10), std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
    out.clear();
    ws::encode(false, 0x3, "", std::nullopt, 0x5, out);
    EXPECT_EQ(out, std::string("\x53\x00", 2));
}

TEST(WsWire, DecodeNeedsEveryByteAndUnmasks) {
    const std::string frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
        EXPECT_EQ(ws::decode(frame.substr(0, cut), 1024).status, ws::Status::need_more) << cut;
    }
    const auto r = ws::decode(frame + "\x89", 1024);
    ASSERT_EQ(r.status, ws::Status::ok);
    EXPECT_EQ(r.consumed, frame.size());
    EXPECT_EQ(r.frame.payload, "Hello");
    EXPECT_TRUE(r.frame.masked);
    EXPECT_TRUE(r.frame.fin);
    EXPECT_EQ(ws::decode(std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10), 1024).status,
              ws::Status::error);
    EXPECT_EQ(ws::decode(std::string("\x82\x7e\x04\x01", 4), 1024).status, ws::Status::error);
}

// --- WsClient over both transports -----------------------------------------------------------

class WsClientTest : public ::testing::TestWithParam<bool> {
  protected:
    bool tls() const { return GetParam(); }
    std::unique_ptr<FakeServer> serve(FakeServer::Script script) {
        return std::make_unique<FakeServer>(std::move(script),
                                            tls() ? testing::shared_server_context() : nullptr);
    }
    WsOptions options() const {
        WsOptions o;
        o.transport.tls = tls();
        return o;
    }
    WsClient connect(const FakeServer& server, const std::string& target = "/",
                     const WsOptions* opts = nullptr) {
        auto c = WsClient::connect("127.0.0.1", server.port(), target, kTimeout,
                                   opts ? *opts : options());
        EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
        return std::move(c.value());
    }
};

TEST_P(WsClientTest, HandshakeThenEcho) {
    std::string request;
    std::vector<ClientFrame> received;
    auto server = serve([&](ServerConn& c) {
        request = accept_upgrade(c, "", text_frame(R"({"command":9})"));
        while (auto f = read_client_frame(c)) {
            received.push_back(*f);
            if ((f->first & 0x0F) == ws::kClose) break;
            c.write(server_frame(static_cast<std::uint8_t>(0x80 | (f->first & 0x0F)), f->payload));
        }
    });
    auto client = connect(*server, "/?username=u1&password=123");
    EXPECT_EQ(client.status_line(), "HTTP/1.1 101 Switching Protocols");
    EXPECT_EQ(client.headers().get("CONTENT-LENGTH"), "0");
    EXPECT_EQ(client.subprotocol(), "");
    EXPECT_EQ(client.is_tls(), tls());
    // The frame that followed the 101 head in the same write.
    auto first = client.read_message(kTimeout);
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->is_text());
    EXPECT_EQ(first->payload, R"({"command":9})");

    ASSERT_TRUE(client.send_text(R"({"cmd":13})"));
    auto echo = client.read_message(kTimeout);
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(echo->payload, R"({"cmd":13})");
    EXPECT_FALSE(echo->masked);
    ASSERT_TRUE(client.send_binary(std::string("\x00\xff", 2)));
    echo = client.read_message(kTimeout);
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(echo->opcode, ws::kBinary);
    EXPECT_EQ(echo->payload, std::string("\x00\xff", 2));
    ASSERT_TRUE(client.send_close(1000, "bye"));
    EXPECT_TRUE(client.wait_closed(kTimeout));
    server->join();

    EXPECT_EQ(request.rfind("GET /?username=u1&password=123 HTTP/1.1\r\n", 0), 0u) << request;
    EXPECT_EQ(header_value(request, "host"), "127.0.0.1:" + std::to_string(server->port()));
    EXPECT_EQ(header_value(request, "upgrade"), "websocket");
    EXPECT_EQ(header_value(request, "sec-websocket-version"), "13");
    EXPECT_EQ(header_value(request, "sec-websocket-key").size(), 24u);
    ASSERT_EQ(received.size(), 3u);
    for (const auto& f : received) EXPECT_TRUE(f.masked);
    EXPECT_EQ(received[0].first, 0x81);
    EXPECT_EQ(received[2].first, 0x88);
    EXPECT_EQ(received[2].payload,
              "\x03\xe8"
              "bye");
}

TEST_P(WsClientTest, ReadsEveryLengthEncoding) {
    const std::vector<std::size_t> sizes{0, 125, 126, 65535, 65536, 200000};
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        for (std::size_t n : sizes) c.write(server_frame(0x82, std::string(n, 'a')));
    });
    auto client = connect(*server);
    for (std::size_t n : sizes) {
        auto m = client.read_message(kTimeout);
        ASSERT_TRUE(m.has_value()) << n;
        EXPECT_EQ(m->payload.size(), n);
        EXPECT_EQ(m->payload, std::string(n, 'a'));
    }
    EXPECT_TRUE(client.wait_closed(kTimeout));
    EXPECT_FALSE(client.protocol_error());
}

TEST_P(WsClientTest, JoinsFragmentsAndReturnsInterleavedPing) {
    std::optional<ClientFrame> pong;
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        c.write_bytewise(server_frame(0x01, "Hel") + server_frame(0x89, "p!") +
                         server_frame(0x00, "l") + server_frame(0x80, "o"));
        pong = read_client_frame(c);
    });
    auto client = connect(*server);
    auto ping = client.read_message(kTimeout);
    ASSERT_TRUE(ping.has_value());
    EXPECT_EQ(ping->opcode, ws::kPing);
    EXPECT_EQ(ping->payload, "p!");
    auto text = client.read_message(kTimeout);
    ASSERT_TRUE(text.has_value());
    EXPECT_TRUE(text->is_text());
    EXPECT_EQ(text->payload, "Hello");
    EXPECT_EQ(text->frames, 3u);
    server->join();
    ASSERT_TRUE(pong.has_value());  // answered automatically
    EXPECT_EQ(pong->first, 0x8A);
    EXPECT_EQ(pong->payload, "p!");
}

TEST_P(WsClientTest, LoginAndChatQueueOtherMessages) {
    std::optional<ClientFrame> login_req;
    std::optional<ClientFrame> chat_req;
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        login_req = read_client_frame(c);
        c.write(text_frame(R"({"code":10011,"command":9})") + server_frame(0x8A, "") +
                text_frame(R"({"code":10007,"command":6})"));
        chat_req = read_client_frame(c);
        c.write(text_frame(R"({"command":11,"data":{}})") +
                text_frame(R"({"code":10000,"command":12})"));
    });
    auto client = connect(*server);
    auto login = client.login("u1", "123", kTimeout);
    ASSERT_TRUE(login.has_value());
    EXPECT_EQ(status_code(*login), 10007);
    auto ack = client.chat("u2", "hi", kTimeout);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(status_code(*ack), 10000);
    EXPECT_EQ(client.queued(), 3u);
    EXPECT_EQ(int_member(client.read_message(kTimeout)->payload, "command"), 9);
    EXPECT_EQ(client.read_message(kTimeout)->opcode, ws::kPong);
    EXPECT_EQ(int_member(client.read_message(kTimeout)->payload, "command"), 11);
    server->join();
    ASSERT_TRUE(login_req && chat_req);
    EXPECT_EQ(login_req->first, 0x81);
    EXPECT_EQ(int_member(login_req->payload, "cmd"), 5);
    EXPECT_EQ(string_member(login_req->payload, "userId"), "u1");
    EXPECT_EQ(int_member(chat_req->payload, "cmd"), 11);
    EXPECT_EQ(string_member(chat_req->payload, "from"), "u1");
    EXPECT_EQ(string_member(chat_req->payload, "to"), "u2");
}

TEST_P(WsClientTest, RawFramesGoOutAsAsked) {
    std::string raw;
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        raw = c.read_exact(3 + 2 + 6).value_or("");
    });
    auto client = connect(*server);
    ASSERT_TRUE(client.send_frame_raw(true, 0x3, "x", false, 0x4));  // RSV1, reserved opcode
    ASSERT_TRUE(client.send_frame_raw(false, ws::kText, "", false));
    ASSERT_TRUE(client.send_close());  // empty payload, masked
    server->join();
    ASSERT_EQ(raw.size(), 11u);
    EXPECT_EQ(raw.substr(0, 5), std::string("\xc3\x01x\x01\x00", 5));
    EXPECT_EQ(raw.substr(5, 2), std::string("\x88\x80", 2));
}

TEST_P(WsClientTest, ServerCloseIsEchoedAndReported) {
    std::optional<ClientFrame> echo;
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        c.write(server_frame(0x88, "\x03\xe9going"));
        echo = read_client_frame(c);
    });
    auto client = connect(*server);
    auto close = client.read_message(kTimeout);
    ASSERT_TRUE(close.has_value());
    EXPECT_EQ(close->opcode, ws::kClose);
    EXPECT_EQ(close->close_code, 1001);
    EXPECT_EQ(close->payload, "going");
    EXPECT_TRUE(client.close_received());
    EXPECT_TRUE(client.wait_closed(kTimeout));
    server->join();
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(echo->first, 0x88);
    EXPECT_EQ(echo->payload, "\x03\xe9");
}

TEST_P(WsClientTest, StrayContinuationIsAProtocolError) {
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        c.write(server_frame(0x80, "x"));
        c.read_exact(1);  // hold the connection until the client gives up
    });
    auto client = connect(*server);
    EXPECT_FALSE(client.read_message(kTimeout).has_value());
    EXPECT_TRUE(client.protocol_error());
    EXPECT_TRUE(client.peer_closed());
    client.close();
}

TEST_P(WsClientTest, ReadTimesOutWithoutClosing) {
    auto server = serve([&](ServerConn& c) {
        accept_upgrade(c);
        c.read_exact(1);
    });
    auto client = connect(*server);
    EXPECT_FALSE(client.read_message(20ms).has_value());
    EXPECT_FALSE(client.read_text_until(6, 20ms).has_value());
    EXPECT_FALSE(client.peer_closed());
    client.send_raw("!");
}

TEST_P(WsClientTest, SubprotocolsAndExtraHeaders) {
    std::string request;
    auto server = serve(
        [&](ServerConn& c) { request = accept_upgrade(c, "Sec-WebSocket-Protocol: jim.v2\r\n"); });
    WsOptions opts = options();
    opts.subprotocols = {"jim.v1", "jim.v2"};
    opts.headers = {{"host", "example.test"}, {"Cookie", "a=b"}, {"Sec-WebSocket-Version", ""}};
    auto client = connect(*server, "/chat", &opts);
    EXPECT_EQ(client.subprotocol(), "jim.v2");
    server->join();
    EXPECT_EQ(header_value(request, "host"), "example.test");
    EXPECT_EQ(header_value(request, "cookie"), "a=b");
    EXPECT_EQ(header_value(request, "sec-websocket-protocol"), "jim.v1, jim.v2");
    EXPECT_EQ(request.find("Sec-WebSocket-Version"), std::string::npos);
}

TEST_P(WsClientTest, HandshakeFailures) {
    struct Case {
        std::string response;
        WsHandshakeError error;
    };
    const std::vector<Case> cases{
        {"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n", WsHandshakeError::not_switching},
        {"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
         WsHandshakeError::bad_accept},
        {"HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n\r\n", WsHandshakeError::bad_upgrade},
        {"HTTP/1.1 101 OK\r\nbroken line\r\n\r\n", WsHandshakeError::bad_response},
        {"HTTP/1.1 101 Swi", WsHandshakeError::closed},
    };
    for (const auto& test : cases) {
        auto server = serve([&](ServerConn& c) {
            c.read_until("\r\n\r\n");
            c.write(test.response);
        });
        auto r = WsClient::connect("127.0.0.1", server->port(), "/", kTimeout, options());
        ASSERT_FALSE(r.has_value()) << test.response;
        EXPECT_EQ(r.error(), make_error_code(test.error)) << r.error().message();
    }
    auto server = serve([&](ServerConn& c) { accept_upgrade(c, "sec-websocket-protocol: x\r\n"); });
    auto r = WsClient::connect("127.0.0.1", server->port(), "/", kTimeout, options());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(WsHandshakeError::bad_subprotocol));
}

INSTANTIATE_TEST_SUITE_P(Transports, WsClientTest, ::testing::Values(false, true),
                         testing::transport_name);

}  // namespace
}  // namespace jim::client
