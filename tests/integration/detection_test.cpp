// Protocol detection on the shared port (spec §1.2, §11.2 #9).

#include <sys/socket.h>

#include "server_fixture.hpp"

namespace jim::testing {
namespace {

// Reads whatever the server sends until it closes or `until` appears (bounded).
std::string read_all(TcpClient& c, std::string_view until = {}) {
    std::string out;
    char buf[4096];
    const auto end = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < end &&
           (until.empty() || out.find(until) == std::string::npos)) {
        pollfd p{c.fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::recv(c.fd(), buf, sizeof(buf), 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

TEST_F(ServerTest, HttpHeadSplitOverManyReadsAndLargerThan2KBIsDetected) {
    TcpClient c = connect();
    std::string head =
        "GET /api/users/online HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Padding: ";
    head += std::string(3000, 'a');
    head += "\r\n\r\n";
    for (std::size_t i = 0; i < head.size(); i += 500) {
        ASSERT_TRUE(c.send_raw(head.substr(i, 500)));
        std::this_thread::sleep_for(2ms);
    }
    const std::string response = read_all(c);
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    EXPECT_NE(response.find("\"count\":0"), std::string::npos) << response;
}

TEST_F(ServerTest, WebSocketUpgradeIsDetected) {
    TcpClient c = connect();
    ASSERT_TRUE(
        c.send_raw("GET /?username=u1&password=123 HTTP/1.1\r\nHost: localhost\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n"));
    EXPECT_EQ(read_all(c, "\r\n\r\n").rfind("HTTP/1.1 101", 0), 0u);
}

TEST_F(ServerTest, HeadBeyondTheLimitIsClosed) {
    net::ServerOptions o;
    o.max_http_head = 2048;
    start(o);
    TcpClient c = connect();
    std::string head = "GET / HTTP/1.1\r\nX-Big: " + std::string(4096, 'b');
    ASSERT_TRUE(c.send_raw(head));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::head_too_large) == 1; }));
}

TEST_F(ServerTest, GarbageIsClosedAndCounted) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send_raw(std::string("\x00\xff\xfe garbage", 11)));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::bad_http_head) == 1; }));
}

TEST_F(ServerTest, TlsHelloWithoutTlsConfiguredIsClosedAndCounted) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send_raw(std::string("\x16\x03\x01\x00\x05hello", 10)));
    EXPECT_TRUE(c.wait_closed(kWait));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::tls_unavailable) == 1; }));
}

}  // namespace
}  // namespace jim::testing
