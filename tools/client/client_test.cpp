#include "client/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "client/fake_server.hpp"
#include "jim/codec/tcp_frame.hpp"

namespace jim::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeServer;
namespace tcp = jim::codec::tcp;

constexpr auto kTimeout = 5s;

std::string server_frame(std::uint8_t command, std::string_view body) {
    std::string out;
    tcp::encode(command, body, out);
    return out;
}

// Writes bytes one send() at a time, so the client sees the frame in many small pieces.
void write_bytewise(int fd, std::string_view bytes) {
    for (char c : bytes) ASSERT_EQ(::send(fd, &c, 1, MSG_NOSIGNAL), 1);
}

// Reads one client frame on the fake server side (blocking, bounded by kTimeout).
std::optional<Frame> read_client_frame(int fd) {
    std::string buf;
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r = tcp::decode(buf, tcp::Limits{});
        if (r.status == tcp::Status::ok) return Frame{r.frame.command, std::string(r.frame.body)};
        if (r.status == tcp::Status::error) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char chunk[512];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return std::nullopt;
        buf.append(chunk, static_cast<std::size_t>(n));
    }
    return std::nullopt;
}

TcpClient connect_to(const FakeServer& server, const std::string& source_ip = {}) {
    auto c = TcpClient::connect("127.0.0.1", server.port(), kTimeout, source_ip);
    EXPECT_TRUE(c.has_value()) << (c.has_value() ? "" : c.error().message());
    return std::move(c.value());
}

TEST(TcpClient, ReassemblesFrameWrittenOneByteAtATime) {
    const std::string body = R"({"code":10000,"command":12,"msg":"ok 发送成功"})";
    FakeServer server([&](int fd) { write_bytewise(fd, server_frame(12, body)); });
    auto client = connect_to(server);
    auto f = client.read(kTimeout);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->command, 12);
    EXPECT_EQ(f->body, body);
    EXPECT_EQ(status_code(f->body), 10000);
    EXPECT_TRUE(client.wait_closed(kTimeout));
}

TEST(TcpClient, ReadUntilQueuesOtherFramesInOrder) {
    const std::string stream = server_frame(9, R"({"code":10011,"command":9})") +
                               server_frame(11, R"({"command":11,"data":{"content":"a"}})") +
                               server_frame(6, R"({"code":10007,"command":6})") +
                               server_frame(11, R"({"command":11,"data":{"content":"b"}})");
    FakeServer server([&](int fd) { write_bytewise(fd, stream); });
    auto client = connect_to(server);

    auto login = client.read_until(6, kTimeout);
    ASSERT_TRUE(login.has_value());
    EXPECT_EQ(status_code(login->body), 10007);
    EXPECT_EQ(client.queued(), 2u);

    // Queued frames first, in arrival order, then the socket again.
    auto first = client.read(kTimeout);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->command, 9);
    auto second = client.read(kTimeout);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->command, 11);
    EXPECT_NE(second->body.find(R"("a")"), std::string::npos);
    auto third = client.read(kTimeout);
    ASSERT_TRUE(third.has_value());
    EXPECT_NE(third->body.find(R"("b")"), std::string::npos);

    EXPECT_FALSE(client.read(kTimeout).has_value());  // server closed after the script
    EXPECT_TRUE(client.peer_closed());
}

TEST(TcpClient, ReadUntilFindsAFrameAlreadyQueued) {
    const std::string stream = server_frame(13, "{}") + server_frame(12, "{}");
    FakeServer server([&](int fd) { write_bytewise(fd, stream); });
    auto client = connect_to(server);
    ASSERT_TRUE(client.wait_closed(kTimeout));
    EXPECT_EQ(client.queued(), 2u);
    auto ack = client.read_until(12, 10ms);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->command, 12);
    auto hb = client.read(10ms);
    ASSERT_TRUE(hb.has_value());
    EXPECT_EQ(hb->command, 13);
}

TEST(TcpClient, ReadTimesOutWithoutClosing) {
    std::atomic<bool> done{false};
    FakeServer server([&](int fd) {
        // Keep the connection open until the client has timed out.
        while (!done.load()) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 10) != 0) break;
        }
    });
    auto client = connect_to(server);
    EXPECT_FALSE(client.read(20ms).has_value());
    EXPECT_FALSE(client.peer_closed());
    EXPECT_FALSE(client.wait_closed(20ms));
    done = true;
}

TEST(TcpClient, UndecodableHeaderCountsAsClosed) {
    FakeServer server([&](int fd) {
        write_bytewise(fd, "\x02\x51\x0b\x00\x00\x00\x00");
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 5000);  // hold the socket open until the client gives up on it
    });
    auto client = connect_to(server);
    EXPECT_FALSE(client.read(kTimeout).has_value());
    EXPECT_TRUE(client.peer_closed());
    client.close();
}

TEST(TcpClient, LoginAndChatSendFramesAndReturnReplies) {
    std::optional<Frame> login_req;
    std::optional<Frame> chat_req;
    FakeServer server([&](int fd) {
        login_req = read_client_frame(fd);
        write_bytewise(fd, server_frame(9, R"({"code":10011,"command":9})") +
                               server_frame(6, R"({"code":10007,"command":6})"));
        chat_req = read_client_frame(fd);
        write_bytewise(fd, server_frame(12, R"({"code":10001,"command":12})"));
    });
    auto client = connect_to(server);
    auto login = client.login("u\"1", "123", kTimeout);
    ASSERT_TRUE(login.has_value());
    EXPECT_EQ(status_code(*login), 10007);
    auto ack = client.chat("u2", "hi", kTimeout);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(status_code(*ack), 10001);
    server.join();

    ASSERT_TRUE(login_req.has_value());
    EXPECT_EQ(login_req->command, 5);
    EXPECT_EQ(int_member(login_req->body, "cmd"), 5);
    EXPECT_EQ(string_member(login_req->body, "userId"), "u\"1");
    EXPECT_EQ(string_member(login_req->body, "password"), "123");
    ASSERT_TRUE(chat_req.has_value());
    EXPECT_EQ(chat_req->command, 11);
    EXPECT_EQ(int_member(chat_req->body, "chatType"), 2);
    EXPECT_EQ(string_member(chat_req->body, "from"), "u\"1");
    EXPECT_EQ(string_member(chat_req->body, "to"), "u2");
    EXPECT_EQ(string_member(chat_req->body, "content"), "hi");
    // The join notification that preceded the login reply is still there.
    auto notify = client.read(kTimeout);
    ASSERT_TRUE(notify.has_value());
    EXPECT_EQ(notify->command, 9);
}

TEST(TcpClient, BindsTheRequestedSourceAddress) {
    FakeServer server([](int) {});
    {
        auto client = connect_to(server, "127.0.0.2");
        server.join();
    }
    EXPECT_EQ(server.peer_ip(), "127.0.0.2");
}

TEST(TcpClient, ConnectToClosedPortFails) {
    // Find a free port by binding and closing a socket; nothing listens there afterwards.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    ::close(fd);
    auto c = TcpClient::connect("localhost", ntohs(addr.sin_port), kTimeout);
    EXPECT_FALSE(c.has_value());
}

TEST(JsonHelpers, ParseLeniently) {
    EXPECT_FALSE(parse_object("not json").has_value());
    EXPECT_FALSE(parse_object("[1]").has_value());
    EXPECT_EQ(int_member(R"({"chatType":"2"})", "chatType"), 2);
    EXPECT_EQ(status_code(R"({"command":11})"), std::nullopt);
    EXPECT_EQ(string_member(R"({"msg":1})", "msg"), std::nullopt);
}

}  // namespace
}  // namespace jim::client
