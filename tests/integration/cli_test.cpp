// jim-server as people and scripts run it: flags, configuration errors, signals.

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>

#include "client/client.hpp"
#include "client/test_jwt.hpp"
#include "client/test_tls.hpp"
#include "process.hpp"
#include "support/history.hpp"
#include "support/http_receiver.hpp"
#include "support/receiver_cert.hpp"

namespace jim::testing {
namespace {

using namespace std::chrono_literals;

const std::string kServer = JIM_SERVER_BIN;

std::string temp_dir() {
    char dir[] = "/tmp/jim-cli-XXXXXX";
    return mkdtemp(dir) != nullptr ? dir : "/tmp";
}

TEST(ServerCli, VersionAndHelp) {
    Process version({kServer, "--version"});
    EXPECT_EQ(version.wait(5s), 0);
    EXPECT_NE(version.out().find("jim-server 0."), std::string::npos) << version.out();
    Process help({kServer, "--help"});
    EXPECT_EQ(help.wait(5s), 0);
    for (const char* flag : {"--config", "--port", "--data-dir", "--set", "--version"}) {
        EXPECT_NE(help.out().find(flag), std::string::npos) << flag;
    }
}

TEST(ServerCli, BadConfigListsEveryProblemAndExitsNonZero) {
    const std::string dir = temp_dir();
    const std::string file = dir + "/bad.toml";
    std::ofstream(file) << "[server]\nport = \"eighty\"\nprot = 1\n[log]\nlevel = \"loud\"\n";
    Process p({kServer, "--config", file, "--set", "limits.max_body_bytes=0", "--data-dir", dir});
    const auto rc = p.wait(5s);
    ASSERT_TRUE(rc);
    EXPECT_NE(*rc, 0);
    for (const char* key : {"server.port", "server.prot", "log.level", "limits.max_body_bytes"}) {
        EXPECT_NE(p.err().find(key), std::string::npos) << key << " missing in:\n" << p.err();
    }
}

// A configuration error exits 2 (start-up errors exit 3), also for a key checked late.
TEST(ServerCli, UnknownWebhookEventIsAConfigurationError) {
    const std::string dir = temp_dir();
    Process p({kServer, "--port", "0", "--data-dir", dir, "--set",
               "webhook.url=\"http://127.0.0.1:9/hook\"", "--set",
               R"(webhook.events=["user.online","no.such.event"])"});
    const auto rc = p.wait(5s);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 2) << p.err();
    EXPECT_NE(p.err().find("webhook.events"), std::string::npos) << p.err();
    std::filesystem::remove_all(dir);
}

// hooks.tls.ca_file must be readable and hold a certificate, or the server does not start (exit
// 2), rather than fail every https hook call later.
TEST(ServerCli, AnUnusableHookCaFileIsAConfigurationError) {
    const std::string dir = temp_dir();
    Process missing({kServer, "--port", "0", "--data-dir", dir, "--set",
                     "webhook.url=\"https://127.0.0.1:9/hook\"", "--set",
                     "hooks.tls.ca_file=\"" + dir + "/no-such-ca.pem\""});
    const auto rc = missing.wait(5s);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 2) << missing.err();
    EXPECT_NE(missing.err().find("hooks.tls.ca_file: cannot read " + dir + "/no-such-ca.pem"),
              std::string::npos)
        << missing.err();
    const std::string not_pem = dir + "/not-a-ca.pem";
    std::ofstream(not_pem) << "no certificate here\n";
    Process empty({kServer, "--port", "0", "--data-dir", dir, "--set", "auth.mode=webhook", "--set",
                   "auth.webhook.url=\"https://127.0.0.1:9/login\"", "--set",
                   "hooks.tls.ca_file=\"" + not_pem + "\""});
    const auto rc2 = empty.wait(5s);
    ASSERT_TRUE(rc2);
    EXPECT_EQ(*rc2, 2) << empty.err();
    EXPECT_NE(empty.err().find("hooks.tls: ca_file " + not_pem), std::string::npos) << empty.err();
    std::filesystem::remove_all(dir);
}

// The [hooks] keys reach the hooks' clients: a login decided by an https backend that only
// hooks.tls.ca_file makes trusted, then by one trusted through hooks.tls.insecure (warned about).
TEST(ServerCli, HttpsLoginWebhookTrustedThroughTheHooksTlsKeys) {
    const std::string dir = temp_dir();
    const ReceiverCert cert;
    HttpReceiver backend(cert.tls());
    backend.set_handler([](const HttpReceiver::Received&) {
        return HttpReceiver::Reply{200, R"({"ok":true})"};
    });
    const auto login_through = [&](const std::string& tls_key, const std::string& user) {
        Process p({kServer, "--port", "0", "--data-dir", dir + "/data", "--set",
                   "server.host=127.0.0.1", "--set", "server.workers=1", "--set",
                   "auth.mode=webhook", "--set", "auth.webhook.url=" + backend.url("/login"),
                   "--set", tls_key});
        EXPECT_TRUE(p.wait_for_output("listening on", 10s)) << p.err();
        std::smatch m;
        const std::string out = p.out();
        EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")));
        auto c = client::TcpClient::connect("127.0.0.1",
                                            static_cast<std::uint16_t>(std::stoi(m[1])), 3s);
        EXPECT_TRUE(c.has_value());
        const auto reply = c->login(user, "pw", 3s).value_or("");
        p.signal(SIGTERM);
        EXPECT_EQ(p.wait(10s), 0) << p.err();
        return std::pair{reply, p.err()};
    };
    const auto [trusted, log1] = login_through("hooks.tls.ca_file=" + cert.ca_file(), "ann");
    EXPECT_EQ(client::status_code(trusted), 10007) << trusted << log1;
    EXPECT_EQ(log1.find("hooks.tls.insecure"), std::string::npos) << log1;
    const auto [insecure, log2] = login_through("hooks.tls.insecure=true", "ben");
    EXPECT_EQ(client::status_code(insecure), 10007) << insecure << log2;
    EXPECT_NE(log2.find("hooks.tls.insecure = true"), std::string::npos) << log2;
    EXPECT_EQ(backend.count(), 2u);
    const auto [refused, log3] = login_through("hooks.tls.insecure=false", "cid");  // the default
    EXPECT_EQ(client::status_code(refused), 10008) << refused;
    EXPECT_NE(refused.find("self-signed certificate"), std::string::npos) << refused;
    EXPECT_EQ(backend.count(), 2u);
    std::filesystem::remove_all(dir);
}

TEST(ServerCli, ServesOnTheRequestedPortAndStopsCleanlyOnSigterm) {
    const std::string dir = temp_dir();
    Process p({kServer, "--port", "0", "--data-dir", dir + "/data", "--set",
               "server.host=127.0.0.1", "--set", "server.workers=1"});
    ASSERT_TRUE(p.wait_for_output("listening on", 10s)) << p.err();
    std::smatch m;
    const std::string out = p.out();
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")));
    const auto port = static_cast<std::uint16_t>(std::stoi(m[1]));
    auto c = client::TcpClient::connect("127.0.0.1", port, 3s);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(client::status_code(c->login("cli-user", "pw", 3s).value_or("")), 10007);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(10s), 0) << p.err();
    EXPECT_TRUE(c->wait_closed(3s));
    EXPECT_TRUE(std::filesystem::is_directory(dir + "/data"));
}

TEST(ServerCli, StaticModeWithAHashedUsersFile) {
    const std::string dir = temp_dir();
    Process hash({kServer, "hash-password", "carol"}, "pa55\n");
    ASSERT_EQ(hash.wait(10s), 0) << hash.err();
    EXPECT_EQ(hash.out().rfind("carol:pbkdf2-sha256:", 0), 0u) << hash.out();
    std::ofstream(dir + "/users") << hash.out();
    Process p({kServer, "--port", "0", "--data-dir", dir + "/data", "--set", "auth.mode=static",
               "--set", "auth.users_file=" + dir + "/users", "--set", "server.host=127.0.0.1"});
    ASSERT_TRUE(p.wait_for_output("listening on", 10s)) << p.err();
    std::smatch m;
    const std::string out = p.out();
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(:(\d+)\n)")));
    const auto port = static_cast<std::uint16_t>(std::stoi(m[1]));
    auto ok = client::TcpClient::connect("127.0.0.1", port, 3s);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(client::status_code(ok->login("carol", "pa55", 3s).value_or("")), 10007);
    auto bad = client::TcpClient::connect("127.0.0.1", port, 3s);
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(client::status_code(bad->login("carol", "nope", 3s).value_or("")), 10008);
    p.signal(SIGINT);
    EXPECT_EQ(p.wait(10s), 0);
}

TEST(ServerCli, MissingUsersFileIsAStartupError) {
    const std::string dir = temp_dir();
    Process p({kServer, "--port", "0", "--data-dir", dir, "--set", "auth.mode=static", "--set",
               "auth.users_file=" + dir + "/does-not-exist"});
    const auto rc = p.wait(5s);
    ASSERT_TRUE(rc);
    EXPECT_NE(*rc, 0);
    EXPECT_NE(p.err().find("does-not-exist"), std::string::npos) << p.err();
}

// The jwt keys and the limits reach the server from the command line (main's wiring).
TEST(ServerCli, JwtModeAndLimitsFromTheCommandLine) {
    const std::string dir = temp_dir();
    const client::testing::TempFile key(client::testing::shared_rsa_key().public_pem);
    Process p({kServer, "--port", "0", "--data-dir", dir + "/data", "--set",
               "server.host=127.0.0.1", "--set", "auth.mode=jwt", "--set",
               "auth.jwt.public_key=" + key.path(), "--set", "limits.max_connections_per_ip=1"});
    ASSERT_TRUE(p.wait_for_output("listening on", 10s)) << p.err();
    std::smatch m;
    const std::string out = p.out();
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(:(\d+)\n)")));
    const auto port = static_cast<std::uint16_t>(std::stoi(m[1]));
    auto c = client::TcpClient::connect("127.0.0.1", port, 3s);
    ASSERT_TRUE(c.has_value());
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + 60s)
                         .count();
    const std::string token = client::testing::sign_rs256(
        R"({"alg":"RS256"})", R"({"sub":"dana","exp":)" + std::to_string(exp) + "}",
        client::testing::shared_rsa_key().private_pem);
    ASSERT_TRUE(c->send(5, R"({"cmd":5,"token":")" + token + "\"}"));
    EXPECT_EQ(client::status_code(c->read_until(6, 3s).value_or(client::Frame{}).body), 10007);
    auto second = client::TcpClient::connect("127.0.0.1", port, 3s);  // one per address
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->wait_closed(3s));
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(10s), 0) << p.err();
}

TEST(ServerCli, JwtModeWithoutAUsableKeyIsAStartupError) {
    const std::string dir = temp_dir();
    Process p({kServer, "--port", "0", "--data-dir", dir, "--set", "server.host=127.0.0.1", "--set",
               "auth.mode=jwt", "--set", "auth.jwt.public_key=" + dir + "/no-such-key.pem"});
    const auto rc = p.wait(5s);
    ASSERT_TRUE(rc);
    EXPECT_EQ(*rc, 3);
    EXPECT_NE(p.err().find("no-such-key.pem"), std::string::npos) << p.err();
    Process none({kServer, "--port", "0", "--data-dir", dir, "--set", "auth.mode=jwt"});
    EXPECT_EQ(none.wait(5s), 2);  // a configuration error: neither key is set
    EXPECT_NE(none.err().find("auth.jwt.secret"), std::string::npos) << none.err();
}

}  // namespace
}  // namespace jim::testing

namespace jim::testing {
namespace {

// Issue P4: a message acknowledged to its sender is never lost by kill -9. The client streams
// 20,000 messages with 64 in flight; the server is SIGKILLed at a random moment after at least
// 10,000 acks, restarted on the same data dir, and every acked message must be in history, in
// order, with no gap in seq.
TEST(ServerCrash, AckedMessagesSurviveSigkill) {
    const std::string dir = temp_dir();
    const std::vector<std::string> args = {kServer,
                                           "--port",
                                           "0",
                                           "--data-dir",
                                           dir,
                                           "--set",
                                           "server.host=127.0.0.1",
                                           "--set",
                                           "store.engine=rocksdb"};
    std::mt19937 rng(std::random_device{}());
    const int kill_after = std::uniform_int_distribution<int>(10000, 19000)(rng);
    constexpr int kTotal = 20000;
    constexpr int kWindow = 64;

    std::map<std::int64_t, std::string> acked;  // seq -> content
    {
        Process server(args);
        ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.err();
        auto c = client::TcpClient::connect("127.0.0.1", server.listening_port(), 3s);
        ASSERT_TRUE(c.has_value());
        ASSERT_EQ(client::status_code(c->login("writer", "pw", 3s).value_or("")), 10007);
        int sent = 0;
        std::deque<std::string> in_flight;
        while (static_cast<int>(acked.size()) < kill_after) {
            while (sent < kTotal && static_cast<int>(in_flight.size()) < kWindow) {
                const std::string content = "crash-" + std::to_string(sent++);
                ASSERT_TRUE(c->send(
                    11, R"({"cmd":11,"chatType":2,"to":"reader","content":")" + content + "\"}"));
                in_flight.push_back(content);
            }
            const auto ack = c->read_until(12, 5s);
            ASSERT_TRUE(ack) << "no ack after " << acked.size();
            const auto o = client::parse_object(ack->body);
            ASSERT_TRUE(o && o->contains("data")) << ack->body;
            acked[o->at("data").at("seq").as_int64()] = in_flight.front();
            in_flight.pop_front();
        }
        server.signal(SIGKILL);  // mid-stream: up to 64 messages are in flight
        EXPECT_TRUE(server.wait(10s).has_value());
    }
    ASSERT_GE(static_cast<int>(acked.size()), kill_after);

    Process server(args);
    ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.err();
    auto c = client::TcpClient::connect("127.0.0.1", server.listening_port(), 3s);
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(client::status_code(c->login("writer", "pw", 3s).value_or("")), 10007);
    const auto history = page_history(*c, "writer", "reader");
    // No gap: seq runs 1..N. In order: content matches what was sent in that order.
    for (std::size_t i = 0; i < history.size(); ++i) {
        ASSERT_EQ(history[i].first, static_cast<std::int64_t>(i + 1));
        ASSERT_EQ(history[i].second, "crash-" + std::to_string(i));
    }
    for (const auto& [seq, content] : acked) {
        ASSERT_LE(seq, static_cast<std::int64_t>(history.size())) << "acked seq lost";
        EXPECT_EQ(history[static_cast<std::size_t>(seq - 1)].second, content);
    }
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(10s), 0);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace jim::testing
