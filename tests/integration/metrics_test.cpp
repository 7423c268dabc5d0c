// Operations routes (issue P7): /metrics parsed as Prometheus text and checked against what the
// test did, /healthz, /readyz, the /admin page, and the API key in front of /metrics.

#include <filesystem>
#include <map>
#include <sstream>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::HttpClient;
using client::HttpHeaders;
using client::HttpResponse;

// A strict reader of the text exposition format (0.0.4): every sample line must parse, belong
// to a family declared by "# TYPE" before it (histograms: _bucket, _sum, _count), and carry
// well-formed labels. Samples are keyed by `name{labels}` exactly as written.
struct Exposition {
    std::map<std::string, std::string> types;  // family -> type
    std::map<std::string, double> samples;
    std::vector<std::string> problems;

    double at(const std::string& key) const {
        const auto it = samples.find(key);
        return it == samples.end() ? -1 : it->second;
    }
};

bool valid_name(std::string_view n) {
    if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
    for (char c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
    }
    return true;
}

// key="value",key="value" with \\ \" \n escapes.
bool valid_labels(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t eq = s.find('=', i);
        if (eq == std::string_view::npos || !valid_name(s.substr(i, eq - i))) return false;
        if (eq + 1 >= s.size() || s[eq + 1] != '"') return false;
        std::size_t j = eq + 2;
        for (; j < s.size() && s[j] != '"'; ++j) {
            if (s[j] == '\\') {
                if (j + 1 >= s.size() || (s[j + 1] != '\\' && s[j + 1] != '"' && s[j + 1] != 'n')) {
                    return false;
                }
                ++j;
            }
        }
        if (j >= s.size()) return false;
        i = j + 1;
        if (i < s.size()) {
            if (s[i] != ',') return false;
            ++i;
        }
    }
    return true;
}

Exposition parse_exposition(const std::string& text) {
    Exposition e;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    if (text.empty() || text.back() != '\n') e.problems.push_back("no final newline");
    while (std::getline(in, line)) {
        ++n;
        const std::string where = "line " + std::to_string(n) + ": " + line;
        if (line.empty()) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            std::istringstream ls(line.substr(7));
            std::string name, type;
            ls >> name >> type;
            if (!valid_name(name) ||
                (type != "counter" && type != "gauge" && type != "histogram")) {
                e.problems.push_back(where);
            }
            if (!e.types.emplace(name, type).second) e.problems.push_back("twice: " + where);
            continue;
        }
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line[0] == '#') {
            e.problems.push_back(where);
            continue;
        }
        const std::size_t sp = line.rfind(' ');
        if (sp == std::string::npos) {
            e.problems.push_back(where);
            continue;
        }
        const std::string key = line.substr(0, sp);
        const std::string value = line.substr(sp + 1);
        std::string name = key.substr(0, key.find('{'));
        if (key.find('{') != std::string::npos) {
            if (key.back() != '}' || !valid_labels(std::string_view(key).substr(
                                         name.size() + 1, key.size() - name.size() - 2))) {
                e.problems.push_back("labels: " + where);
            }
        }
        std::string family = name;
        for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
            if (name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                e.types.count(name.substr(0, name.size() - suffix.size())) != 0) {
                family = name.substr(0, name.size() - suffix.size());
            }
        }
        if (!valid_name(name) || e.types.count(family) == 0) {
            e.problems.push_back("undeclared: " + where);
        }
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0') e.problems.push_back("value: " + where);
        if (!e.samples.emplace(key, v).second) e.problems.push_back("duplicate: " + where);
    }
    return e;
}

class MetricsTest : public ServerTest {
  protected:
    HttpResponse get(const std::string& target, const HttpHeaders& headers = {}) {
        auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
        EXPECT_TRUE(c.has_value());
        if (!c) return {};
        auto r = c->request("GET", target, headers, {}, kWait);
        EXPECT_TRUE(r.has_value()) << target;
        return r.value_or(HttpResponse{});
    }
    Exposition scrape() {
        const auto r = get("/metrics");
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("Content-Type").value_or(""),
                  "text/plain; version=0.0.4; charset=utf-8");
        auto e = parse_exposition(r.body);
        for (const auto& p : e.problems) ADD_FAILURE() << p;
        return e;
    }
};

TEST_F(MetricsTest, CountsWhatClientsDid) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto ws = client::WsClient::connect("127.0.0.1", server().port(), "/?username=carol&password=x",
                                        kWait);
    ASSERT_TRUE(ws.has_value());
    ASSERT_TRUE(ws->read_text_until(6, kWait));
    ASSERT_TRUE(alice.chat("bob", "one", kWait));
    ASSERT_TRUE(alice.chat("bob", "two", kWait));
    ASSERT_TRUE(bob.send(11, R"({"cmd":11,"chatType":2})"));  // refused: no "to"
    ASSERT_TRUE(bob.read_until(12, kWait));
    auto anon = connect();
    ASSERT_TRUE(anon.send(19, R"({"cmd":19,"type":0,"userId":"x"})"));  // not logged in
    ASSERT_TRUE(anon.read_until(20, kWait));
    auto gone = connect();
    ASSERT_TRUE(gone.send(99, "{}"));  // an unknown command byte is a framing error: closed
    ASSERT_TRUE(gone.wait_closed(kWait));

    // The connection closing above is counted when the server has processed it.
    ASSERT_TRUE(eventually([&] {
        return scrape().at(R"(jim_connections_closed_total{reason="unknown_command"})") == 1;
    }));
    const auto m = scrape();
    EXPECT_EQ(m.types.at("jim_logins_total"), "counter");
    EXPECT_EQ(m.types.at("jim_ack_latency_seconds"), "histogram");
    EXPECT_EQ(m.types.at("jim_connections"), "gauge");
    EXPECT_EQ(m.at("jim_logins_total"), 3);
    EXPECT_EQ(m.at("jim_online_users"), 3);
    EXPECT_EQ(m.at(R"(jim_connections{protocol="tcp"})"), 3);  // alice, bob, anon
    EXPECT_EQ(m.at(R"(jim_connections{protocol="ws"})"), 1);
    // Earlier scrapes' connections close as the server sees their EOF; then only this scrape's
    // own HTTP connection is left besides the four sessions.
    EXPECT_TRUE(eventually([&] {
        const auto now = scrape();
        return now.at(R"(jim_connections{protocol="http"})") == 1 &&
               now.at("jim_connections_open") == 5;
    }));
    EXPECT_EQ(m.at(R"(jim_connections_detected_total{protocol="ws"})"), 1);
    EXPECT_EQ(m.at("jim_chat_messages_total"), 2);
    EXPECT_EQ(m.at(R"(jim_errors_total{reason="missing_field"})"), 1);
    EXPECT_EQ(m.at(R"(jim_errors_total{reason="not_logged_in"})"), 1);
    EXPECT_EQ(m.at(R"(jim_errors_total{reason="bad_json"})"), 0);
    // Acks: one observation per accepted chat, buckets cumulative up to +Inf == count.
    EXPECT_EQ(m.at("jim_ack_latency_seconds_count"), 2);
    EXPECT_EQ(m.at(R"(jim_ack_latency_seconds_bucket{le="+Inf"})"), 2);
    EXPECT_GE(m.at(R"(jim_ack_latency_seconds_bucket{le="5"})"),
              m.at(R"(jim_ack_latency_seconds_bucket{le="0.0001"})"));
    EXPECT_GT(m.at("jim_ack_latency_seconds_sum"), 0);
    // The memory store committed both messages.
    EXPECT_EQ(m.at("jim_store_appends_total"), 2);
    EXPECT_GE(m.at("jim_store_commit_latency_seconds_count"), 1);
    EXPECT_EQ(m.at("jim_store_commit_latency_seconds_count"), m.at("jim_store_commits_total"));
    EXPECT_EQ(m.at("jim_redis_link_up"), 0);
    EXPECT_EQ(m.at("jim_ready"), 1);
    EXPECT_GE(m.at("jim_frames_in_total"), 8);
}

// The RocksDB engine's own memory as gauges; engines without such figures export none.
TEST_F(MetricsTest, RocksDbMemoryGauges) {
    EXPECT_EQ(scrape().types.count("jim_store_memtables_bytes"), 0u);  // the memory engine
    char tmpl[] = "/tmp/jim-metrics-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    use_store("rocksdb", dir + "/db");
    start(net::ServerOptions{});
    const auto before = scrape();
    for (const char* name : {"jim_store_block_cache_bytes", "jim_store_block_cache_pinned_bytes",
                             "jim_store_memtables_bytes", "jim_store_table_readers_bytes"}) {
        EXPECT_EQ(before.types.count(name), 1u) << name;
        EXPECT_EQ(before.types.at(name), "gauge") << name;
        EXPECT_GE(before.at(name), 0) << name;
    }
    auto alice = login("alice");
    auto bob = login("bob");
    const std::string text(2000, 'x');
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(alice.chat("bob", text, kWait));
    const auto after = scrape();
    EXPECT_GE(after.at("jim_store_memtables_bytes"),
              before.at("jim_store_memtables_bytes") + 20.0 * static_cast<double>(text.size()));
    EXPECT_LE(after.at("jim_store_block_cache_pinned_bytes"),
              after.at("jim_store_block_cache_bytes"));
    use_store("memory");  // closes the database
    std::filesystem::remove_all(dir);
}

TEST_F(MetricsTest, RedisLinkGaugeReadsItsSource) {
    stop();  // the source is set before start(), on a fresh server
    net::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    server_ = std::make_unique<net::Server>(o, *auth_, clock_, store_.get());
    std::atomic<bool> up{true};
    server().set_redis_link_source([&up] { return up.load(); });
    server().start();
    EXPECT_EQ(scrape().at("jim_redis_link_up"), 1);
    up = false;
    EXPECT_EQ(scrape().at("jim_redis_link_up"), 0);
}

TEST_F(MetricsTest, HealthAndReadiness) {
    auto r = get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"ok"})");
    r = get("/readyz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"ready"})");
    EXPECT_TRUE(server().ready());
    server().stop();
    EXPECT_FALSE(server().ready());
}

TEST_F(MetricsTest, MetricsNeedTheApiKeyWhenOneIsSet) {
    net::ServerOptions o;
    o.api_key = "s3cret";
    start(o);
    EXPECT_EQ(get("/metrics").status, 401);
    EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer wrong!"}}).status, 401);
    const auto r = get("/metrics", {{"Authorization", "Bearer s3cret"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(parse_exposition(r.body).problems.empty());
    // Probes stay public.
    EXPECT_EQ(get("/healthz").status, 200);
    EXPECT_EQ(get("/readyz").status, 200);
}

TEST_F(MetricsTest, AdminPageIsServedAndReadsTheMetrics) {
    const auto r = get("/admin");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    // The page's data comes from these two routes, with the key the operator types in.
    EXPECT_NE(r.body.find("fetch(\"/metrics\""), std::string::npos);
    EXPECT_NE(r.body.find("/api/users/online"), std::string::npos);
    EXPECT_NE(r.body.find("jim_chat_messages_total"), std::string::npos);
    auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(c);
    const auto post = c->request("POST", "/metrics", {}, "x", kWait);
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405);
}

}  // namespace
}  // namespace jim::testing
