// jim-server as people and scripts run it: flags, configuration errors, signals.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "client/client.hpp"
#include "process.hpp"

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

TEST(ServerCli, ServesOnTheRequestedPortAndStopsCleanlyOnSigterm) {
    const std::string dir = temp_dir();
    Process p({kServer, "--port", "0", "--data-dir", dir + "/data", "--set", "server.host=127.0.0.1",
               "--set", "server.workers=1"});
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

}  // namespace
}  // namespace jim::testing
