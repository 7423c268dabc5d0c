// Limits (P7): connections global and per IP, new connections per IP per second, the message
// rate, slow consumers (watermarks and the hard cap), the HTTP body size and the login timeout
// over WebSocket. Each shows its close reason or status and its counter.

#include <sys/socket.h>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "client/ws_wire.hpp"
#include "jim/codec/tcp_frame.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::status_code;
using client::WsClient;
using client::WsMessage;

class LimitsTest : public ServerTest {
  protected:
    // A connection from `source_ip` that the server serves: its heartbeat is answered.
    std::optional<TcpClient> served(const std::string& source_ip = {}) {
        auto c = TcpClient::connect("127.0.0.1", server().port(), kWait, source_ip);
        if (!c || !c->send(13, "{}") || !c->read_until(13, kWait)) return std::nullopt;
        return std::move(*c);
    }
    // A connection the server closes without serving it.
    bool refused(const std::string& source_ip = {}) {
        auto c = TcpClient::connect("127.0.0.1", server().port(), kWait, source_ip);
        if (!c) return false;
        c->send(13, "{}");  // may fail: the server may have closed already
        return c->wait_closed(kWait) && c->queued() == 0;
    }
    std::uint64_t closed_by(Errc e) { return server().stats().closed_by(e); }
};

TEST_F(LimitsTest, MaxConnectionsRefusesBeyondTheLimitUntilOneCloses) {
    net::ServerOptions o;
    o.max_connections = 3;
    start(o);
    std::vector<TcpClient> held;
    for (int i = 0; i < 3; ++i) {
        auto c = served();
        ASSERT_TRUE(c) << i;
        held.push_back(std::move(*c));
    }
    EXPECT_TRUE(refused());
    EXPECT_TRUE(refused("127.0.0.2"));  // the limit is global
    EXPECT_EQ(closed_by(Errc::too_many_connections), 2u);
    held.pop_back();
    EXPECT_TRUE(eventually([&] { return served().has_value(); }));
    const auto s = server().stats();
    EXPECT_EQ(
        s.accepted, s.open + [&] {
            std::uint64_t n = 0;
            for (const auto c : s.closed) n += c;
            return n;
        }());
}

TEST_F(LimitsTest, MaxConnectionsPerIpCountsEachAddressApart) {
    net::ServerOptions o;
    o.per_ip.max_connections = 2;
    start(o);
    auto a1 = served();
    auto a2 = served();
    ASSERT_TRUE(a1 && a2);
    EXPECT_TRUE(refused());
    auto b1 = served("127.0.0.2");
    EXPECT_TRUE(b1);
    EXPECT_EQ(closed_by(Errc::too_many_connections), 1u);
    a1->close();
    EXPECT_TRUE(eventually([&] { return served().has_value(); }));
}

TEST_F(LimitsTest, NewConnectionsPerIpPerSecondStopsAReconnectStorm) {
    net::ServerOptions o;
    o.per_ip.new_per_s = 1;  // a burst of one, then one a second
    start(o);
    {
        auto first = served();
        ASSERT_TRUE(first);
    }  // closing does not give the token back
    EXPECT_TRUE(refused());
    EXPECT_TRUE(refused());
    EXPECT_TRUE(served("127.0.0.2"));  // another address has its own bucket
    EXPECT_GE(closed_by(Errc::connection_rate), 2u);
    // A second later the address may connect again.
    EXPECT_TRUE(eventually([&] { return served().has_value(); }, 3000ms));
}

// Reads frames until the server closes; returns them.
std::vector<Frame> read_all(TcpClient& c) {
    std::vector<Frame> frames;
    EXPECT_TRUE(c.wait_closed(kWait));
    while (auto f = c.read(0ms)) frames.push_back(std::move(*f));
    return frames;
}

TEST_F(LimitsTest, MessageRateFirstAnswersRateLimitedThenCloses) {
    net::ServerOptions o;
    o.max_messages_per_s = 2;  // bursts of 2, then one every 500 ms
    start(o);
    TcpClient c = connect();  // heartbeats need no login
    std::string burst;        // one write, so the server has every frame before it closes
    for (int i = 0; i < 30; ++i) codec::tcp::encode_client(13, "{}", burst);
    ASSERT_TRUE(c.send_raw(burst));
    const auto frames = read_all(c);
    std::size_t answered = 0;
    std::size_t limited = 0;
    for (const auto& f : frames) {
        if (f.command == 13 && !status_code(f.body)) ++answered;
        if (f.command == 13 && status_code(f.body) == 10002) {
            EXPECT_NE(f.body.find("rate_limited"), std::string::npos) << f.body;
            ++limited;
        }
    }
    EXPECT_EQ(answered, 2u);  // the burst
    EXPECT_EQ(limited, 2u);   // another burst's worth is refused with a status
    ASSERT_FALSE(frames.empty());
    EXPECT_EQ(frames.back().command, 0);  // then the closing status, and the close
    EXPECT_NE(frames.back().body.find("rate_limited"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return closed_by(Errc::rate_limited) == 1; }));
    EXPECT_EQ(server().stats().rate_limited, 3u);
}

TEST_F(LimitsTest, MessageRateWithinTheLimitIsNeverRefused) {
    net::ServerOptions o;
    o.max_messages_per_s = 50;
    start(o);
    TcpClient c = login("steady");
    for (int i = 0; i < 30; ++i) {  // 30 messages in ~0.6 s: half the burst at most
        ASSERT_TRUE(c.send(13, "{}"));
        const auto reply = c.read_until(13, kWait);
        ASSERT_TRUE(reply);
        EXPECT_FALSE(status_code(reply->body)) << reply->body;
        std::this_thread::sleep_for(20ms);  // pacing the client, not waiting for the server
    }
    EXPECT_EQ(server().stats().rate_limited, 0u);
}

TEST_F(LimitsTest, MessageRateOverWebSocketClosesWith1008) {
    net::ServerOptions o;
    o.max_messages_per_s = 3;
    start(o);
    auto ws = WsClient::connect("127.0.0.1", server().port(), "/", kWait);
    ASSERT_TRUE(ws);
    std::string burst;  // one write, so the server has every frame before it closes
    const client::ws::MaskKey mask{1, 2, 3, 4};
    for (int i = 0; i < 20; ++i) client::ws::encode(true, 0x1, R"({"cmd":13})", mask, 0, burst);
    ASSERT_TRUE(ws->send_raw(burst));
    const auto status = ws->read_text_until(
        [](std::string_view t) { return t.find("rate_limited") != std::string_view::npos; }, kWait);
    EXPECT_TRUE(status);
    const auto close = ws->read_until([](const WsMessage& m) { return m.opcode == 0x8; }, kWait);
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code, std::optional<std::uint16_t>(1008));
}

// A receiver that reads nothing. Its receive buffer is fixed (no autotuning up to 32 MiB) but
// not tiny (below the loopback MSS the sender would crawl on its persist timer), so the kernel
// holds at most ~4.5 MiB for it (4 MiB send buffer, tcp_wmem) before the server's outbox grows.
TcpClient slow_reader(std::uint16_t port, const std::string& user) {
    auto c = TcpClient::connect("127.0.0.1", port, kWait);
    EXPECT_TRUE(c);
    const int fixed = 256 * 1024;
    setsockopt(c->fd(), SOL_SOCKET, SO_RCVBUF, &fixed, sizeof(fixed));
    EXPECT_EQ(status_code(c->login(user, "1", kWait).value_or("")), 10007);
    return std::move(*c);
}

TEST_F(LimitsTest, SlowConsumerIsPausedAboveHighWaterAndResumesBelowLowWater) {
    net::ServerOptions o;
    o.outbox_high_water = 256 * 1024;
    o.outbox_low_water = 64 * 1024;
    o.max_outbox_bytes = 256u * 1024 * 1024;
    start(o);
    TcpClient bob = slow_reader(server().port(), "bob");
    TcpClient alice = login("alice");
    const std::string big(256 * 1024, 'x');
    for (int i = 0; i < 40; ++i) {  // 10 MiB: more than the kernel holds between them
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", big)));
        ASSERT_TRUE(alice.read_until(12, kWait));
    }
    ASSERT_TRUE(eventually([&] { return server().stats().read_pauses >= 1; }));
    const auto frames_before = server().stats().frames_in;
    ASSERT_TRUE(bob.send(13, "{}"));  // not read while bob's outbox is above high water
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(server().stats().frames_in, frames_before);
    const int large = 1 << 20;  // let bob read quickly now
    setsockopt(bob.fd(), SOL_SOCKET, SO_RCVBUF, &large, sizeof(large));
    // Bob reads: the outbox drains below low water, and his heartbeat is read and answered.
    std::size_t pushes = 0;
    const auto end = std::chrono::steady_clock::now() + 10s;
    std::optional<Frame> hb;
    while (!hb && std::chrono::steady_clock::now() < end) {
        auto f = bob.read(kWait);
        if (!f) break;
        if (f->command == 11) ++pushes;
        if (f->command == 13) hb = f;
    }
    EXPECT_TRUE(hb);
    EXPECT_EQ(pushes, 40u);
    EXPECT_EQ(closed_by(Errc::slow_consumer), 0u);
}

TEST_F(LimitsTest, SlowConsumerAboveTheHardCapIsClosedWithAReason) {
    net::ServerOptions o;
    o.outbox_high_water = 128 * 1024;
    o.outbox_low_water = 32 * 1024;
    o.max_outbox_bytes = 1024 * 1024;
    start(o);
    TcpClient bob = slow_reader(server().port(), "bob");
    TcpClient alice = login("alice");
    const std::string big(256 * 1024, 'x');
    for (int i = 0; i < 40 && closed_by(Errc::slow_consumer) == 0; ++i) {
        ASSERT_TRUE(alice.send(11, chat_json("alice", "bob", big)));
        ASSERT_TRUE(alice.read_until(12, kWait));
    }
    EXPECT_TRUE(eventually([&] { return closed_by(Errc::slow_consumer) == 1; }));
    EXPECT_TRUE(bob.wait_closed(kWait));
    EXPECT_FALSE(alice.wait_closed(kQuiet));  // the sender is not punished
}

TEST_F(LimitsTest, HttpBodyLimitIsConfigurable) {
    net::ServerOptions o;
    o.max_http_body = 2048;
    start(o);
    auto c = client::HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(c);
    const std::string body =
        R"({"from":"a","to":"b","chatType":2,"content":")" + std::string(4096, 'x') + "\"}";
    const auto r = c->request("POST", "/api/message/send", {}, body, kWait);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(eventually([&] { return closed_by(Errc::body_too_large) == 1; }));
}

TEST_F(LimitsTest, WebSocketThatNeverLogsInIsClosedWithLoginTimeout) {
    net::ServerOptions o;
    o.login_timeout_ms = 200;
    o.tick_ms = 20;
    start(o);
    auto ws = WsClient::connect("127.0.0.1", server().port(), "/", kWait);
    ASSERT_TRUE(ws);
    const auto close = ws->read_until([](const WsMessage& m) { return m.opcode == 0x8; }, kWait);
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code, std::optional<std::uint16_t>(1008));
    EXPECT_EQ(close->payload, "login_timeout");
    EXPECT_TRUE(eventually([&] { return closed_by(Errc::login_timeout) == 1; }));
}

}  // namespace
}  // namespace jim::testing
