// Graceful shutdown (issue P7) of a real jim-server process: on SIGTERM it stops accepting,
// tells every client (TCP close command 14 with reason server_shutdown, WebSocket close 1001),
// keeps every message it acknowledged, and exits 0 within server.shutdown_timeout_ms.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "client/client.hpp"
#include "client/ws_client.hpp"
#include "process.hpp"
#include "support/history.hpp"

namespace jim::testing {
namespace {

using namespace std::chrono_literals;

const std::string kServer = JIM_SERVER_BIN;

std::string chat(int i) {
    return R"({"cmd":11,"chatType":2,"to":"bob","content":"bye-)" + std::to_string(i) + "\"}";
}

TEST(GracefulShutdown, ClientsAreToldAndAckedMessagesKept) {
    char tmpl[] = "/tmp/jim-shutdown-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    const std::vector<std::string> args = {kServer,
                                           "--port",
                                           "0",
                                           "--data-dir",
                                           dir,
                                           "--set",
                                           "server.host=127.0.0.1",
                                           "--set",
                                           "store.engine=rocksdb",
                                           "--set",
                                           "server.shutdown_timeout_ms=4000"};

    std::map<std::int64_t, std::string> acked;  // seq -> content
    {
        Process server(args);
        ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.err();
        const auto port = server.listening_port();
        auto alice = client::TcpClient::connect("127.0.0.1", port, 3s);
        ASSERT_TRUE(alice);
        ASSERT_EQ(client::status_code(alice->login("alice", "pw", 3s).value_or("")), 10007);
        auto bob = client::WsClient::connect("127.0.0.1", port, "/?username=bob&password=pw", 3s);
        ASSERT_TRUE(bob);
        ASSERT_TRUE(bob->read_text_until(6, 3s));

        // A first message acked, then a stream still in flight when SIGTERM arrives.
        // Acks come back in send order (one sender's appends keep their order), so the n-th ack
        // is for "bye-n".
        int acks = 0;
        const auto record = [&](const client::Frame& f) {
            const auto o = client::parse_object(f.body);
            ASSERT_TRUE(o && o->contains("data")) << f.body;
            acked[o->at("data").at("seq").as_int64()] = "bye-" + std::to_string(acks++);
        };
        ASSERT_TRUE(alice->send(11, chat(0)));
        const auto first = alice->read_until(12, 3s);
        ASSERT_TRUE(first);
        record(*first);
        constexpr int kStream = 300;
        for (int i = 1; i <= kStream; ++i) ASSERT_TRUE(alice->send(11, chat(i)));
        server.signal(SIGTERM);

        // Alice hears acks for what was stored, then the close command, then the close.
        bool told = false;
        while (auto f = alice->read(5s)) {
            if (f->command == 12) {
                ASSERT_FALSE(told) << "an ack after the goodbye";
                record(*f);
            } else if (f->command == 14) {
                const auto o = client::parse_object(f->body);
                ASSERT_TRUE(o) << f->body;
                EXPECT_EQ(o->at("code").as_int64(), 10021);
                EXPECT_EQ(o->at("reason").as_string(), "server_shutdown");
                told = true;
            }
        }
        EXPECT_TRUE(told) << "no close command before the connection closed";
        EXPECT_TRUE(alice->peer_closed());

        // Bob's WebSocket gets a close frame 1001 (going away) naming the reason.
        const auto close = bob->read_until(
            [](const client::WsMessage& m) { return m.opcode == client::ws::kClose; }, 5s);
        ASSERT_TRUE(close);
        EXPECT_EQ(close->close_code.value_or(0), 1001);
        EXPECT_EQ(close->payload, "server_shutdown");

        EXPECT_EQ(server.wait(6s), 0) << server.err();
        EXPECT_NE(server.err().find("jim stopped"), std::string::npos) << server.err();
        // New connections are refused once the server is gone.
        EXPECT_FALSE(client::TcpClient::connect("127.0.0.1", port, 1s));
    }

    // Every acked message is in the store after a restart: page bob's history with alice.
    Process server(args);
    ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.err();
    auto alice = client::TcpClient::connect("127.0.0.1", server.listening_port(), 3s);
    ASSERT_TRUE(alice);
    ASSERT_EQ(client::status_code(alice->login("alice", "pw", 3s).value_or("")), 10007);
    std::map<std::int64_t, std::string> history;
    for (auto& [seq, content] : page_history(*alice, "alice", "bob")) history[seq] = content;
    EXPECT_GE(history.size(), acked.size());
    RecordProperty("acked", static_cast<int>(acked.size()));
    RecordProperty("stored", static_cast<int>(history.size()));
    for (const auto& [seq, content] : acked) {
        ASSERT_TRUE(history.count(seq)) << "acked seq " << seq << " lost";
        EXPECT_EQ(history[seq], content);
    }
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(6s), 0);
    std::filesystem::remove_all(dir);
}

// jim-server linked with jemalloc reports the allocator's figures on /metrics (the soak judges
// live memory by them).
TEST(ServerProcess, MetricsCarryTheAllocatorsFigures) {
#ifndef JIM_SERVER_HAS_JEMALLOC
    GTEST_SKIP() << "jim-server is not linked with jemalloc in this build";
#else
    char tmpl[] = "/tmp/jim-alloc-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    Process server({kServer, "--port", "0", "--data-dir", dir, "--set", "server.host=127.0.0.1",
                    "--set", "store.engine=none"});
    ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.err();
    auto http = client::HttpClient::connect("127.0.0.1", server.listening_port(), 3s);
    ASSERT_TRUE(http);
    const auto res = http->request("GET", "/metrics");
    ASSERT_TRUE(res);
    std::map<std::string, long long> values;
    const std::regex line(R"(\n(jim_allocator_[a-z_]+) (\d+))");
    for (std::sregex_iterator it(res->body.begin(), res->body.end(), line), end; it != end; ++it) {
        values[(*it)[1]] = std::stoll((*it)[2]);
    }
    EXPECT_GT(values["jim_allocator_allocated_bytes"], 0);
    EXPECT_GE(values["jim_allocator_active_bytes"], values["jim_allocator_allocated_bytes"]);
    EXPECT_GT(values["jim_allocator_metadata_bytes"], 0);
    EXPECT_GE(values["jim_allocator_resident_bytes"], values["jim_allocator_active_bytes"]);
    ASSERT_TRUE(values.contains("jim_allocator_dirty_bytes"));  // freed, not yet returned
    EXPECT_LE(values["jim_allocator_dirty_bytes"], values["jim_allocator_resident_bytes"]);
    std::filesystem::remove_all(dir);
#endif
}

}  // namespace
}  // namespace jim::testing
