#include "jim/app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace jim::app {
namespace {

const std::string kExample = JIM_SOURCE_DIR "/conf/jim.example.toml";

// Field by field, so a failure names the field that differs.
void expect_same(const Config& a, const Config& b) {
    EXPECT_EQ(a.server.host, b.server.host);
    EXPECT_EQ(a.server.port, b.server.port);
    EXPECT_EQ(a.server.workers, b.server.workers);
    EXPECT_EQ(a.server.data_dir, b.server.data_dir);
    EXPECT_EQ(a.server.heartbeat_timeout_ms, b.server.heartbeat_timeout_ms);
    EXPECT_EQ(a.server.shutdown_timeout_ms, b.server.shutdown_timeout_ms);
    EXPECT_EQ(a.limits.max_body_bytes, b.limits.max_body_bytes);
    EXPECT_EQ(a.limits.max_http_head_bytes, b.limits.max_http_head_bytes);
    EXPECT_EQ(a.limits.login_timeout_ms, b.limits.login_timeout_ms);
    EXPECT_EQ(a.limits.max_ws_message_bytes, b.limits.max_ws_message_bytes);
    EXPECT_EQ(a.limits.max_http_body_bytes, b.limits.max_http_body_bytes);
    EXPECT_EQ(a.limits.max_connections, b.limits.max_connections);
    EXPECT_EQ(a.limits.max_connections_per_ip, b.limits.max_connections_per_ip);
    EXPECT_EQ(a.limits.max_new_connections_per_ip_per_s, b.limits.max_new_connections_per_ip_per_s);
    EXPECT_EQ(a.limits.max_messages_per_s, b.limits.max_messages_per_s);
    EXPECT_EQ(a.limits.outbox_high_water_bytes, b.limits.outbox_high_water_bytes);
    EXPECT_EQ(a.limits.outbox_low_water_bytes, b.limits.outbox_low_water_bytes);
    EXPECT_EQ(a.limits.max_outbox_bytes, b.limits.max_outbox_bytes);
    EXPECT_EQ(a.store.redis, b.store.redis);
    EXPECT_EQ(a.store.redis_prefix, b.store.redis_prefix);
    EXPECT_EQ(a.cluster.enabled, b.cluster.enabled);
    EXPECT_EQ(a.cluster.redis, b.cluster.redis);
    EXPECT_EQ(a.cluster.node_id, b.cluster.node_id);
    EXPECT_EQ(a.cluster.lease_ms, b.cluster.lease_ms);
    EXPECT_EQ(a.webhook.url, b.webhook.url);
    EXPECT_EQ(a.auth.webhook.url, b.auth.webhook.url);
    EXPECT_EQ(a.auth.webhook.timeout_ms, b.auth.webhook.timeout_ms);
    EXPECT_EQ(a.auth.webhook.cache_ttl_ms, b.auth.webhook.cache_ttl_ms);
    EXPECT_EQ(a.hook.url, b.hook.url);
    EXPECT_EQ(a.hook.timeout_ms, b.hook.timeout_ms);
    EXPECT_EQ(a.hook.fail_open, b.hook.fail_open);
    EXPECT_EQ(a.hooks.tls.ca_file, b.hooks.tls.ca_file);
    EXPECT_EQ(a.hooks.tls.insecure, b.hooks.tls.insecure);
    EXPECT_EQ(a.webhook.events, b.webhook.events);
    EXPECT_EQ(a.webhook.queue_max, b.webhook.queue_max);
    EXPECT_EQ(a.tls.cert, b.tls.cert);
    EXPECT_EQ(a.tls.key, b.tls.key);
    EXPECT_EQ(a.http.root, b.http.root);
    EXPECT_EQ(a.api.key, b.api.key);
    EXPECT_EQ(a.store.engine, b.store.engine);
    EXPECT_EQ(a.store.sync, b.store.sync);
    EXPECT_EQ(a.store.history_ttl_s, b.store.history_ttl_s);
    EXPECT_EQ(a.store.inbox_max, b.store.inbox_max);
    EXPECT_EQ(a.store.push_offline_on_login, b.store.push_offline_on_login);
    EXPECT_EQ(a.store.rocksdb.cache_mb, b.store.rocksdb.cache_mb);
    EXPECT_EQ(a.store.rocksdb.write_buffer_mb, b.store.rocksdb.write_buffer_mb);
    EXPECT_EQ(a.auth.mode, b.auth.mode);
    EXPECT_EQ(a.auth.users_file, b.auth.users_file);
    EXPECT_EQ(a.auth.default_groups, b.auth.default_groups);
    EXPECT_EQ(a.auth.jwt.secret, b.auth.jwt.secret);
    EXPECT_EQ(a.auth.jwt.public_key, b.auth.jwt.public_key);
    EXPECT_EQ(a.presence.max_group_list, b.presence.max_group_list);
    EXPECT_EQ(a.presence.count_interval_ms, b.presence.count_interval_ms);
    EXPECT_EQ(a.log.level, b.log.level);
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) {
        s += "\n  " + l;
    }
    return s;
}

bool starts_with_key(const std::string& problem, const std::string& key) {
    return problem.rfind(key + ": ", 0) == 0;
}

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/jim_config_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::string write(const std::string& name, const std::string& text) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsWhenNoFile) {
    Config cfg;
    cfg.server.port = 1;  // proves load_config overwrites `out`
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config("", {}, cfg, problems)) << joined(problems);
    EXPECT_TRUE(problems.empty());
    expect_same(cfg, Config{});
    EXPECT_EQ(cfg.server.host, "0.0.0.0");
    EXPECT_EQ(cfg.server.port, 8888);
    EXPECT_EQ(cfg.limits.max_body_bytes, 2097152u);
    EXPECT_EQ(cfg.auth.mode, "open");
    EXPECT_EQ(cfg.log.level, "info");
}

TEST_F(ConfigTest, FileValuesApplied) {
    const std::string path = write("jim.toml", R"(
[server]
host = "127.0.0.1"
port = 9001
workers = 4
data_dir = "/var/lib/jim"
heartbeat_timeout_ms = 0
shutdown_timeout_ms = 250

[limits]
max_body_bytes = 1024
max_http_head_bytes = 4096
login_timeout_ms = 0

[auth]
mode = "static"
users_file = "users.toml"
default_groups = ["lobby", "news"]

[log]
level = "debug"
)");
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config(path, {}, cfg, problems)) << joined(problems);
    EXPECT_EQ(cfg.server.host, "127.0.0.1");
    EXPECT_EQ(cfg.server.port, 9001);
    EXPECT_EQ(cfg.server.workers, 4);
    EXPECT_EQ(cfg.server.data_dir, "/var/lib/jim");
    EXPECT_EQ(cfg.server.heartbeat_timeout_ms, 0);
    EXPECT_EQ(cfg.server.shutdown_timeout_ms, 250);
    EXPECT_EQ(cfg.limits.max_body_bytes, 1024u);
    EXPECT_EQ(cfg.limits.max_http_head_bytes, 4096u);
    EXPECT_EQ(cfg.limits.login_timeout_ms, 0);
    EXPECT_EQ(cfg.auth.mode, "static");
    EXPECT_EQ(cfg.auth.users_file, "users.toml");
    EXPECT_EQ(cfg.auth.default_groups, (std::vector<std::string>{"lobby", "news"}));
    EXPECT_EQ(cfg.log.level, "debug");
}

TEST_F(ConfigTest, PartialFileKeepsOtherDefaults) {
    const std::string path = write("jim.toml", "server.port = 7000\n");
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config(path, {}, cfg, problems)) << joined(problems);
    Config expected;
    expected.server.port = 7000;
    expect_same(cfg, expected);
}

TEST_F(ConfigTest, OverridesWinOverFileAndLaterOverridesWin) {
    const std::string path = write("jim.toml", "[server]\nport = 9001\nworkers = 2\n");
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(
        load_config(path, {"server.port=9002", "log.level=warn", "log.level=error"}, cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.server.port, 9002);
    EXPECT_EQ(cfg.server.workers, 2);  // from the file, not overridden
    EXPECT_EQ(cfg.log.level, "error");
}

TEST_F(ConfigTest, OverrideValuesAreTomlWithStringFallback) {
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config(
        "",
        {"auth.mode=static", "auth.users_file=/etc/jim/users.toml", "server.port=9000",
         "server.host = \"::1\"", "auth.default_groups=[\"a\", \"b\"]", "server.data_dir=a=b"},
        cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.auth.mode, "static");
    EXPECT_EQ(cfg.auth.users_file, "/etc/jim/users.toml");
    EXPECT_EQ(cfg.server.port, 9000);
    EXPECT_EQ(cfg.server.host, "::1");
    EXPECT_EQ(cfg.auth.default_groups, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(cfg.server.data_dir, "a=b");  // split at the first '=' only
}

TEST_F(ConfigTest, OverrideCannotSmuggleExtraKeys) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config("", {"server.port=1\nworkers = 3"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_TRUE(starts_with_key(problems[0], "server.port")) << problems[0];
}

TEST_F(ConfigTest, BadOverrideTypeNamesKeyAndValue) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config("", {"server.port=abc"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "server.port: must be an integer 0..65535 (got \"abc\")");
}

TEST_F(ConfigTest, WebhookEventsMustBeKnownNames) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_TRUE(load_config("",
                            {R"(webhook.events=["user.online","user.offline","message.offline",)"
                             R"("message","group.join","group.leave"])"},
                            cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.webhook.events.size(), 6u);
    EXPECT_FALSE(
        load_config("", {R"(webhook.events=["user.online","user.onlin"])"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_TRUE(starts_with_key(problems[0], "webhook.events")) << problems[0];
    EXPECT_NE(problems[0].find("user.onlin"), std::string::npos) << problems[0];
}

// The hooks call http:// and https:// URLs; hooks.tls.ca_file must be readable (exit 2 if not).
TEST_F(ConfigTest, HookUrlsAreHttpOrHttpsAndTheCaFileMustBeReadable) {
    const std::string ca = write("ca.pem", "not checked here\n");
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_TRUE(load_config("",
                            {"auth.mode=webhook", "auth.webhook.url=https://auth.example/login",
                             "webhook.url=http://127.0.0.1:9/e", "hook.url=https://[::1]/m",
                             "hooks.tls.ca_file=" + ca, "hooks.tls.insecure=true"},
                            cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.hooks.tls.ca_file, ca);
    EXPECT_TRUE(cfg.hooks.tls.insecure);
    EXPECT_FALSE(load_config(
        "", {"webhook.url=ftp://x/", "hooks.tls.ca_file=" + (dir_ / "missing.pem").string()}, cfg,
        problems));
    ASSERT_EQ(problems.size(), 2u) << joined(problems);
    EXPECT_EQ(problems[0], "webhook.url: must be an http:// or https:// URL");
    EXPECT_TRUE(starts_with_key(problems[1], "hooks.tls.ca_file")) << problems[1];
    EXPECT_NE(problems[1].find("missing.pem: No such file or directory"), std::string::npos)
        << problems[1];
}

TEST_F(ConfigTest, MalformedAndUnknownOverrides) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config("", {"server.port", "port=1", "server.prot=1"}, cfg, problems));
    ASSERT_EQ(problems.size(), 3u) << joined(problems);
    EXPECT_NE(problems[0].find("\"server.port\""), std::string::npos) << problems[0];
    EXPECT_NE(problems[1].find("\"port=1\""), std::string::npos) << problems[1];
    EXPECT_EQ(problems[2], "server.prot: unknown key");
}

TEST_F(ConfigTest, EveryProblemIsReportedAtOnce) {
    const std::string path = write("jim.toml", R"(
[server]
port = "abc"
prot = 1

[log]
level = "loud"
)");
    Config cfg;
    cfg.server.workers = 7;
    std::vector<std::string> problems{"earlier problem"};
    EXPECT_FALSE(load_config(path, {}, cfg, problems));
    ASSERT_EQ(problems.size(), 4u) << joined(problems);
    EXPECT_EQ(problems[0], "earlier problem");  // appended, not replaced
    const std::vector<std::string> found(problems.begin() + 1, problems.end());
    for (const std::string key : {"server.port", "server.prot", "log.level"}) {
        EXPECT_EQ(std::count_if(found.begin(), found.end(),
                                [&](const std::string& p) { return starts_with_key(p, key); }),
                  1)
            << key << joined(found);
    }
    EXPECT_EQ(cfg.server.workers, 7);  // `out` untouched on failure
}

TEST_F(ConfigTest, RangeAndTypeViolations) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"server.host", "\"\""},
        {"server.port", "65536"},
        {"server.port", "-1"},
        {"server.port", "80.0"},
        {"server.workers", "257"},
        {"server.data_dir", "3"},
        {"server.heartbeat_timeout_ms", "-1"},
        {"server.shutdown_timeout_ms", "-5"},
        {"limits.max_body_bytes", "0"},
        {"limits.max_body_bytes", "1073741825"},
        {"limits.max_http_head_bytes", "1023"},
        {"limits.max_http_head_bytes", "1048577"},
        {"limits.login_timeout_ms", "true"},
        {"limits.max_messages_per_s", "1001"},
        {"limits.max_connections_per_ip", "-1"},
        {"limits.outbox_high_water_bytes", "1023"},
        {"auth.mode", "webhooks"},
        {"auth.mode", "ldap"},
        {"auth.default_groups", "[\"\"]"},
        {"auth.default_groups", "[1]"},
        {"auth.default_groups", "\"lobby\""},
        {"log.level", "verbose"},
    };
    for (const auto& [key, value] : bad) {
        Config cfg;
        std::vector<std::string> problems;
        EXPECT_FALSE(load_config("", {key + "=" + value}, cfg, problems)) << key << "=" << value;
        ASSERT_EQ(problems.size(), 1u) << key << "=" << value << joined(problems);
        EXPECT_TRUE(starts_with_key(problems[0], key)) << problems[0];
    }
}

// auth.jwt.* is a table below [auth]: as [auth.jwt], as dotted keys, and as overrides.
TEST_F(ConfigTest, JwtKeysAsSubTableDottedKeysAndOverrides) {
    const std::string table = write("table.toml", R"(
[auth]
mode = "jwt"
[auth.jwt]
secret = "s3cret"
public_key = "/etc/jim/jwt.pem"
)");
    const std::string dotted = write("dotted.toml", R"(
[auth]
mode = "jwt"
jwt.secret = "s3cret"
jwt.public_key = "/etc/jim/jwt.pem"
)");
    for (const auto& path : {table, dotted}) {
        Config cfg;
        std::vector<std::string> problems;
        ASSERT_TRUE(load_config(path, {}, cfg, problems)) << path << joined(problems);
        EXPECT_EQ(cfg.auth.mode, "jwt");
        EXPECT_EQ(cfg.auth.jwt.secret, "s3cret");
        EXPECT_EQ(cfg.auth.jwt.public_key, "/etc/jim/jwt.pem");
    }
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config("", {"auth.mode=jwt", "auth.jwt.secret=abc"}, cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.auth.jwt.secret, "abc");

    problems.clear();
    EXPECT_FALSE(load_config("", {"auth.mode=jwt"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_TRUE(starts_with_key(problems[0], "auth.jwt.secret")) << problems[0];

    problems.clear();
    const std::string unknown = write("unknown.toml", "[auth.jwt]\nsecrets = \"x\"\n");
    EXPECT_FALSE(load_config(unknown, {}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_EQ(problems[0], "auth.jwt.secrets: unknown key");
}

TEST_F(ConfigTest, OutboxWatermarksMustBeOrdered) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config("", {"limits.outbox_low_water_bytes=2000000"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_TRUE(starts_with_key(problems[0], "limits.outbox_high_water_bytes")) << problems[0];
    problems.clear();
    EXPECT_FALSE(load_config("", {"limits.max_outbox_bytes=1024"}, cfg, problems));
    EXPECT_EQ(problems.size(), 1u) << joined(problems);
    problems.clear();
    EXPECT_TRUE(load_config("",
                            {"limits.outbox_low_water_bytes=4096",
                             "limits.outbox_high_water_bytes=8192", "limits.max_outbox_bytes=8192"},
                            cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.limits.outbox_high_water_bytes, 8192u);
}

TEST_F(ConfigTest, RangeBoundariesAccepted) {
    Config cfg;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config("",
                            {"server.port=0", "server.workers=256", "limits.max_body_bytes=1",
                             "limits.max_http_head_bytes=1024", "server.shutdown_timeout_ms=0"},
                            cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.server.port, 0);
    ASSERT_TRUE(load_config("",
                            {"server.port=65535", "limits.max_body_bytes=1073741824",
                             "limits.max_http_head_bytes=1048576", "auth.default_groups=[]"},
                            cfg, problems))
        << joined(problems);
    EXPECT_EQ(cfg.server.port, 65535);
    EXPECT_EQ(cfg.limits.max_body_bytes, 1u << 30);
    EXPECT_EQ(cfg.limits.max_http_head_bytes, 1048576u);
}

TEST_F(ConfigTest, StaticModeNeedsUsersFile) {
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config("", {"auth.mode=static"}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_TRUE(starts_with_key(problems[0], "auth.users_file")) << problems[0];

    // The check runs after all overrides, so their order does not matter.
    problems.clear();
    EXPECT_TRUE(load_config("", {"auth.mode=static", "auth.users_file=u.toml"}, cfg, problems))
        << joined(problems);
}

TEST_F(ConfigTest, FileStructureErrors) {
    const std::string path = write("jim.toml", R"(
log = 1

[sever]
port = 1

[server.tls]
enabled = true
)");
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config(path, {}, cfg, problems));
    ASSERT_EQ(problems.size(), 3u) << joined(problems);
    const std::set<std::string> got(problems.begin(), problems.end());
    EXPECT_TRUE(got.count("log: must be a table")) << joined(problems);
    EXPECT_TRUE(got.count("sever: unknown key")) << joined(problems);
    EXPECT_TRUE(got.count("server.tls: unknown key")) << joined(problems);
}

TEST_F(ConfigTest, ParseErrorNamesFileAndLine) {
    const std::string path = write("conf.toml", "[server]\nport = 1\nhost = \n");
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config(path, {"server.prot=2"}, cfg, problems));
    ASSERT_EQ(problems.size(), 2u) << joined(problems);  // overrides are still checked
    EXPECT_EQ(problems[0].rfind(path + ": parse error at line 3", 0), 0u) << problems[0];
    EXPECT_EQ(problems[1], "server.prot: unknown key");
}

TEST_F(ConfigTest, MissingFileIsAProblem) {
    const std::string path = (dir_ / "absent.toml").string();
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config(path, {}, cfg, problems));
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_EQ(problems[0].rfind(path + ": ", 0), 0u) << problems[0];
}

// A cluster shares its store: a node-local engine is refused with a clear reason, Redis and
// "none" are accepted.
TEST_F(ConfigTest, ClusterNeedsASharedStore) {
    for (const char* engine : {"rocksdb", "memory"}) {
        Config cfg;
        std::vector<std::string> problems;
        EXPECT_FALSE(load_config(
            {}, {"cluster.enabled=true", std::string("store.engine=\"") + engine + "\""}, cfg,
            problems));
        ASSERT_EQ(problems.size(), 1u) << joined(problems);
        EXPECT_EQ(problems[0].rfind("cluster.enabled: needs a store every node shares", 0), 0u)
            << problems[0];
    }
    for (const char* engine : {"redis", "none"}) {
        Config cfg;
        std::vector<std::string> problems;
        EXPECT_TRUE(load_config(
            {}, {"cluster.enabled=true", std::string("store.engine=\"") + engine + "\""}, cfg,
            problems))
            << joined(problems);
    }
    Config cfg;
    std::vector<std::string> problems;
    EXPECT_FALSE(load_config({},
                             {"cluster.enabled=true", "store.engine=\"none\"",
                              "cluster.node_id=\"a:b\"", "cluster.redis=\"http://x\""},
                             cfg, problems));
    EXPECT_EQ(problems.size(), 2u) << joined(problems);
}

TEST(ConfigKeys, UniqueDocumentedAndDefaultsRoundTrip) {
    const auto& keys = config_keys();
    ASSERT_EQ(keys.size(), 64u);
    std::set<std::string> seen;
    for (const KeyInfo& k : keys) {
        EXPECT_TRUE(seen.insert(k.key).second) << "duplicate " << k.key;
        EXPECT_NE(k.key.find('.'), std::string::npos) << k.key;
        EXPECT_FALSE(k.doc.empty()) << k.key;
        EXPECT_FALSE(k.type.empty()) << k.key;
        EXPECT_EQ(k.doc.find('\n'), std::string::npos) << k.key;
        // Setting a key to its rendered default is accepted and changes nothing.
        Config cfg;
        std::vector<std::string> problems;
        EXPECT_TRUE(load_config("", {k.key + "=" + k.default_toml}, cfg, problems))
            << k.key << joined(problems);
        expect_same(cfg, Config{});
    }
    EXPECT_EQ(keys[0].key, "server.host");
    EXPECT_EQ(keys[0].default_toml, "\"0.0.0.0\"");
}

TEST(ExampleConfig, LoadsCleanlyAndReproducesDefaults) {
    Config cfg;
    cfg.server.port = 1;
    std::vector<std::string> problems;
    ASSERT_TRUE(load_config(kExample, {}, cfg, problems)) << joined(problems);
    expect_same(cfg, Config{});
}

// Each key appears in its [section] as `name = <default>`, right below `# <doc>`, so the example
// cannot drift from the descriptor table.
TEST(ExampleConfig, DocumentsEveryKeyWithItsDefault) {
    std::ifstream in(kExample);
    ASSERT_TRUE(in) << kExample;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    for (const KeyInfo& k : config_keys()) {
        const std::size_t dot = k.key.find('.');
        const std::string section = std::string("[").append(k.key, 0, dot).append("]");
        const std::string assignment = k.key.substr(dot + 1) + " = " + k.default_toml;
        bool found = false;
        std::string current;
        for (std::size_t i = 0; i < lines.size() && !found; ++i) {
            if (!lines[i].empty() && lines[i][0] == '[') {
                current = lines[i];
            } else if (current == section && lines[i] == assignment) {
                found = true;
                EXPECT_TRUE(i > 0 && lines[i - 1] == "# " + k.doc)
                    << k.key << ": expected the line above to be \"# " << k.doc << "\"";
            }
        }
        EXPECT_TRUE(found) << k.key << ": no line \"" << assignment << "\" in " << section;
    }
}

}  // namespace
}  // namespace jim::app
