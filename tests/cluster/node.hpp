#pragma once
// A real jim-server process on a shared Redis store (store.engine = "redis"), with its own data
// directory, for the multi-node tests; plus the small helpers they share.

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "client/client.hpp"
#include "process.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"

namespace jim::testing {

using namespace std::chrono_literals;

inline const std::string kServer = JIM_SERVER_BIN;

class Node {
  public:
    // `extra` are more `--set key=value` overrides (cluster.* for a cluster node).
    Node(const RedisServer& redis, const std::string& prefix,
         const std::vector<std::string>& extra = {}) {
        char dir[] = "/tmp/jim-node-XXXXXX";
        dir_ = mkdtemp(dir) != nullptr ? dir : "/tmp";
        std::vector<std::string> argv{kServer,
                                      "--port",
                                      "0",
                                      "--data-dir",
                                      dir_,
                                      "--set",
                                      "server.host=127.0.0.1",
                                      "--set",
                                      "store.engine=redis",
                                      "--set",
                                      "store.redis=" + redis.url(),
                                      "--set",
                                      "store.redis_prefix=" + prefix,
                                      "--set",
                                      "log.level=warn"};
        for (const auto& e : extra) {
            argv.push_back("--set");
            argv.push_back(e);
        }
        process_ = std::make_unique<Process>(argv);
        if (process_->wait_for_output("listening on", 15s)) port_ = process_->listening_port();
    }
    ~Node() {
        process_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    std::uint16_t port() const { return port_; }
    Process& process() { return *process_; }

    client::TcpClient login(const std::string& user) {
        auto c = client::TcpClient::connect("127.0.0.1", port_, 5s);
        EXPECT_TRUE(c.has_value());
        EXPECT_EQ(client::status_code(c->login(user, "pw", 5s).value_or("")), 10007);
        return std::move(*c);
    }

    // GET `path` on this node (loopback needs no API key): {status, body}, status -1 on failure.
    std::pair<int, std::string> get(const std::string& path) const {
        auto http = client::HttpClient::connect("127.0.0.1", port_, 5s);
        if (!http) return {-1, {}};
        const auto res = http->request("GET", path);
        if (!res) return {-1, {}};
        return {res->status, res->body};
    }

    // A gauge or counter from /metrics, or -1.
    long long metric(const std::string& name) const {
        const auto [status, body] = get("/metrics");
        if (status != 200) return -1;
        std::smatch m;
        if (!std::regex_search(body, m, std::regex("\n" + name + R"( (\d+))"))) return -1;
        return std::stoll(m[1]);
    }

  private:
    std::string dir_;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
};

inline std::string chat(const std::string& to, const std::string& content) {
    return R"({"cmd":11,"chatType":2,"to":")" + to + R"(","content":")" + content + "\"}";
}

}  // namespace jim::testing
