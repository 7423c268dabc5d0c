#include "jim/app/config.hpp"

#include "jim/redis/endpoint.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace jim::app {
namespace {

// A key's validation and storage, both in one place so the file, the overrides and config_keys()
// can never disagree about what a key accepts.
struct KeyDesc {
    std::string key;  // "section.key"
    std::string doc;
    std::string type;
    // Validates `node`; on success stores it in the Config and returns "", otherwise returns why
    // (without the key) and leaves the Config unchanged.
    std::function<std::string(const toml::node&, Config&)> set;
    // The key's current value rendered as TOML; applied to Config{} it yields the default.
    std::function<std::string(const Config&)> get;
};

constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();
// Values quoted back in messages are cut here so a stray table cannot flood the log.
constexpr std::size_t kMaxShown = 60;

// Double-quoted, single-line TOML: the form the example file and messages use.
// `cut`: shorten long values (messages); defaults are rendered whole for the example file.
std::string render(const toml::node& node, bool cut = true) {
    std::ostringstream os;
    os << toml::toml_formatter{node, toml::format_flags::allow_unicode_strings};
    std::string text = os.str();
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (cut && text.size() > kMaxShown) {
        text.resize(kMaxShown);
        text += "...";
    }
    return text;
}

std::string must_be(std::string_view expected, const toml::node& got) {
    return "must be " + std::string(expected) + " (got " + render(got) + ")";
}

// `field` is a generic lambda `[](auto& c) -> auto& { return c.section.key; }`, so one accessor
// serves both the setter (Config&) and the getter (const Config&).
template <class Field>
using FieldType = std::remove_cvref_t<std::invoke_result_t<Field, Config&>>;

template <class Field>
KeyDesc integer_key(std::string key, std::string doc, Field field, std::int64_t lo,
                    std::int64_t hi) {
    using T = FieldType<Field>;
    assert(std::in_range<T>(lo) && std::in_range<T>(hi) && lo <= hi);
    std::string expected = "an integer " + std::to_string(lo);
    expected += hi == kNoMax ? " or more" : ".." + std::to_string(hi);
    return {std::move(key), std::move(doc), "integer",
            [=](const toml::node& node, Config& cfg) -> std::string {
                const auto* v = node.as_integer();
                if (v == nullptr || v->get() < lo || v->get() > hi) {
                    return must_be(expected, node);
                }
                field(cfg) = static_cast<T>(v->get());
                return {};
            },
            [=](const Config& cfg) {
                return render(toml::value<std::int64_t>{static_cast<std::int64_t>(field(cfg))},
                              false);
            }};
}

// `allowed` empty: any string that is non-empty, or also empty when `may_be_empty`.
template <class Field>
KeyDesc string_key(std::string key, std::string doc, Field field, bool may_be_empty,
                   std::initializer_list<std::string_view> allowed = {}) {
    std::string expected = may_be_empty ? "a string" : "a non-empty string";
    std::vector<std::string> choices(allowed.begin(), allowed.end());
    if (!choices.empty()) {
        expected = "one of ";
        std::string_view sep;
        for (const std::string& c : choices) {
            expected += sep;
            expected += c;
            sep = ", ";
        }
    }
    return {std::move(key), std::move(doc), "string",
            [=](const toml::node& node, Config& cfg) -> std::string {
                const auto* v = node.as_string();
                const bool ok = v != nullptr && (may_be_empty || !v->get().empty()) &&
                                (choices.empty() || std::find(choices.begin(), choices.end(),
                                                              v->get()) != choices.end());
                if (!ok) {
                    return must_be(expected, node);
                }
                field(cfg) = v->get();
                return {};
            },
            [=](const Config& cfg) { return render(toml::value<std::string>{field(cfg)}, false); }};
}

template <class Field>
KeyDesc bool_key(std::string key, std::string doc, Field field) {
    return {std::move(key), std::move(doc), "boolean",
            [=](const toml::node& node, Config& cfg) -> std::string {
                const auto* v = node.as_boolean();
                if (v == nullptr) return must_be("true or false", node);
                field(cfg) = v->get();
                return {};
            },
            [=](const Config& cfg) { return render(toml::value<bool>{field(cfg)}, false); }};
}

// `allowed` empty: any non-empty strings; else each item must be one of them.
template <class Field>
KeyDesc string_list_key(std::string key, std::string doc, Field field,
                        std::initializer_list<std::string_view> allowed = {}) {
    std::string expected = "an array of non-empty strings";
    std::vector<std::string> choices(allowed.begin(), allowed.end());
    if (!choices.empty()) {
        expected = "an array of: ";
        std::string_view sep;
        for (const std::string& c : choices) {
            expected += sep;
            expected += c;
            sep = ", ";
        }
    }
    return {std::move(key), std::move(doc), "array of strings",
            [=](const toml::node& node, Config& cfg) -> std::string {
                const auto* arr = node.as_array();
                std::vector<std::string> values;
                if (arr != nullptr) {
                    for (const toml::node& item : *arr) {
                        const auto* s = item.as_string();
                        if (s == nullptr || s->get().empty() ||
                            (!choices.empty() && std::find(choices.begin(), choices.end(),
                                                           s->get()) == choices.end())) {
                            arr = nullptr;
                            break;
                        }
                        values.push_back(s->get());
                    }
                }
                if (arr == nullptr) {
                    return must_be(expected, node);
                }
                field(cfg) = std::move(values);
                return {};
            },
            [=](const Config& cfg) {
                toml::array arr;
                for (const std::string& s : field(cfg)) {
                    arr.push_back(s);
                }
                return render(arr, false);
            }};
}

std::vector<KeyDesc> make_key_table() {
    std::vector<KeyDesc> t;
    t.push_back(string_key(
        "server.host", "Address to listen on; \"0.0.0.0\" means every IPv4 interface.",
        [](auto& c) -> auto& { return c.server.host; }, false));
    t.push_back(integer_key(
        "server.port", "TCP port to listen on; 0 picks a free port (for tests).",
        [](auto& c) -> auto& { return c.server.port; }, 0, 65535));
    t.push_back(integer_key(
        "server.workers", "Network worker threads, 0..256; 0 = one per CPU in the affinity mask.",
        [](auto& c) -> auto& { return c.server.workers; }, 0, 256));
    t.push_back(string_key(
        "server.data_dir", "Directory where the server keeps its persistent data.",
        [](auto& c) -> auto& { return c.server.data_dir; }, false));
    t.push_back(integer_key(
        "server.heartbeat_timeout_ms",
        "Close a connection that has sent nothing for this many milliseconds; 0 disables.",
        [](auto& c) -> auto& { return c.server.heartbeat_timeout_ms; }, 0, kNoMax));
    t.push_back(integer_key(
        "server.shutdown_timeout_ms",
        "Upper bound in milliseconds for a clean shutdown (half for clients to drain); past it, "
        "exit 1.",
        [](auto& c) -> auto& { return c.server.shutdown_timeout_ms; }, 0, kNoMax));
    t.push_back(integer_key(
        "limits.max_body_bytes",
        "Largest accepted message body in bytes, 1..1073741824; more closes the connection.",
        [](auto& c) -> auto& { return c.limits.max_body_bytes; }, 1, std::int64_t{1} << 30));
    t.push_back(integer_key(
        "limits.max_http_head_bytes",
        "Largest accepted HTTP request head (also the WebSocket handshake), 1024..1048576 bytes.",
        [](auto& c) -> auto& { return c.limits.max_http_head_bytes; }, 1024, 1048576));
    t.push_back(integer_key(
        "limits.login_timeout_ms",
        "Close a connection that has not logged in after this many milliseconds; 0 disables.",
        [](auto& c) -> auto& { return c.limits.login_timeout_ms; }, 0, kNoMax));
    t.push_back(integer_key(
        "limits.max_ws_message_bytes",
        "Largest WebSocket message in bytes, fragments included, 1..1073741824; more closes "
        "with 1009.",
        [](auto& c) -> auto& { return c.limits.max_ws_message_bytes; }, 1, std::int64_t{1} << 30));
    t.push_back(integer_key(
        "limits.max_http_body_bytes",
        "Largest HTTP API request body in bytes, 1024..1073741824; more is answered 413.",
        [](auto& c) -> auto& { return c.limits.max_http_body_bytes; }, 1024,
        std::int64_t{1} << 30));
    t.push_back(integer_key(
        "limits.max_connections",
        "Most open connections, all protocols together; more are refused at accept. 0: no limit.",
        [](auto& c) -> auto& { return c.limits.max_connections; }, 0, 100000000));
    t.push_back(integer_key(
        "limits.max_connections_per_ip",
        "Most open connections from one IP address; more are refused at accept. 0: no limit.",
        [](auto& c) -> auto& { return c.limits.max_connections_per_ip; }, 0, 100000000));
    t.push_back(integer_key(
        "limits.max_new_connections_per_ip_per_s",
        "New connections one IP address may open per second (bursts of as many); more are "
        "refused at accept. 0: no limit.",
        [](auto& c) -> auto& { return c.limits.max_new_connections_per_ip_per_s; }, 0, 1000000));
    t.push_back(integer_key(
        "limits.max_messages_per_s",
        "Messages a connection may send per second, 0..1000 (bursts of as many); beyond it a "
        "message gets a rate_limited status, at twice the burst the connection closes. 0: no "
        "limit.",
        [](auto& c) -> auto& { return c.limits.max_messages_per_s; }, 0, 1000));
    t.push_back(integer_key(
        "limits.outbox_high_water_bytes",
        "Bytes queued for a peer above which its input is not read until the queue drains.",
        [](auto& c) -> auto& { return c.limits.outbox_high_water_bytes; }, 1024,
        std::int64_t{1} << 30));
    t.push_back(integer_key(
        "limits.outbox_low_water_bytes",
        "Bytes queued for a paused peer at or below which its input is read again.",
        [](auto& c) -> auto& { return c.limits.outbox_low_water_bytes; }, 0,
        std::int64_t{1} << 30));
    t.push_back(integer_key(
        "limits.max_outbox_bytes",
        "Bytes queued for a peer above which it is closed as a slow consumer.",
        [](auto& c) -> auto& { return c.limits.max_outbox_bytes; }, 1024, std::int64_t{1} << 31));
    t.push_back(string_key(
        "tls.cert",
        "PEM certificate chain; with tls.key set, TLS (TLS-TCP, wss, https) shares the port.",
        [](auto& c) -> auto& { return c.tls.cert; }, true));
    t.push_back(string_key(
        "tls.key", "PEM private key for tls.cert.", [](auto& c) -> auto& { return c.tls.key; },
        true));
    t.push_back(string_key(
        "http.root", "Directory served at / (the web chat page); \"\" serves no files.",
        [](auto& c) -> auto& { return c.http.root; }, true));
    t.push_back(string_key(
        "api.key",
        "Bearer token the HTTP API requires; empty lets only loopback clients use /api/*.",
        [](auto& c) -> auto& { return c.api.key; }, true));
    t.push_back(string_key(
        "auth.mode",
        "How logins are checked: \"open\" accepts anyone (development only), \"static\" uses "
        "users_file, \"jwt\" verifies a signed token (auth.jwt.*), \"webhook\" asks "
        "auth.webhook.url.",
        [](auto& c) -> auto& { return c.auth.mode; }, false, {"open", "static", "jwt", "webhook"}));
    t.push_back(string_key(
        "auth.users_file", "File listing the users for auth.mode = \"static\"; required there.",
        [](auto& c) -> auto& { return c.auth.users_file; }, true));
    t.push_back(string_key(
        "auth.webhook.url",
        "http:// or https:// URL that decides logins for auth.mode = \"webhook\" "
        "(docs/webhooks.md).",
        [](auto& c) -> auto& { return c.auth.webhook.url; }, true));
    t.push_back(string_key(
        "auth.webhook.secret", "Key of the X-Jim-Signature header on login requests; empty: none.",
        [](auto& c) -> auto& { return c.auth.webhook.secret; }, true));
    t.push_back(integer_key(
        "auth.webhook.timeout_ms",
        "Time the login webhook may take, in milliseconds; past it the login is refused.",
        [](auto& c) -> auto& { return c.auth.webhook.timeout_ms; }, 1, 60000));
    t.push_back(integer_key(
        "auth.webhook.cache_ttl_ms",
        "How long a login webhook answer is reused for the same credentials; 0: not at all.",
        [](auto& c) -> auto& { return c.auth.webhook.cache_ttl_ms; }, 0, 86400000));
    t.push_back(string_list_key(
        "auth.default_groups",
        "Groups every user joins at login; J-IM's demo page expects [\"100\"].",
        [](auto& c) -> auto& { return c.auth.default_groups; }));
    t.push_back(string_key(
        "auth.jwt.secret",
        "HS256 shared secret for auth.mode = \"jwt\"; empty refuses HS256 tokens.",
        [](auto& c) -> auto& { return c.auth.jwt.secret; }, true));
    t.push_back(string_key(
        "auth.jwt.public_key",
        "PEM file with the RSA public key for RS256 tokens (auth.mode = \"jwt\"); empty refuses "
        "RS256.",
        [](auto& c) -> auto& { return c.auth.jwt.public_key; }, true));
    t.push_back(string_key(
        "store.engine",
        "Where messages, inboxes and memberships live: rocksdb (under server.data_dir), memory "
        "(lost on exit), redis (store.redis; shared by a cluster) or none (nothing stored, like "
        "J-IM without store mode).",
        [](auto& c) -> auto& { return c.store.engine; }, false,
        {"rocksdb", "memory", "redis", "none"}));
    t.push_back(string_key(
        "store.redis",
        "The Redis 7 server of store.engine = \"redis\" (redis://host:port; appendonly yes).",
        [](auto& c) -> auto& { return c.store.redis; }, false));
    t.push_back(string_key(
        "store.redis_prefix",
        "First part of every Redis key of the store (several jims, one Redis).",
        [](auto& c) -> auto& { return c.store.redis_prefix; }, false));
    t.push_back(string_key(
        "store.sync",
        "process: an acked message survives a crash of jim; machine: also a power loss (fsync).",
        [](auto& c) -> auto& { return c.store.sync; }, false, {"process", "machine"}));
    t.push_back(integer_key(
        "store.history_ttl_s", "Drop history older than this many seconds; 0 keeps it forever.",
        [](auto& c) -> auto& { return c.store.history_ttl_s; }, 0, kNoMax));
    t.push_back(integer_key(
        "store.inbox_max",
        "Most offline messages kept per user; older ones are dropped and counted. 0: no cap.",
        [](auto& c) -> auto& { return c.store.inbox_max; }, 0, kNoMax));
    t.push_back(bool_key(
        "store.push_offline_on_login",
        "Push offline messages right after login (then cmd 19 type 0 returns only newer ones).",
        [](auto& c) -> auto& { return c.store.push_offline_on_login; }));
    t.push_back(integer_key(
        "store.rocksdb.cache_mb",
        "RocksDB block cache in MiB, index and filter blocks included (docs/storage.md).",
        [](auto& c) -> auto& { return c.store.rocksdb.cache_mb; }, 1, 1 << 20));
    t.push_back(integer_key(
        "store.rocksdb.write_buffer_mb",
        "RocksDB memtable size in MiB; at most two are held (one filling, one being flushed).",
        [](auto& c) -> auto& { return c.store.rocksdb.write_buffer_mb; }, 1, 4096));
    t.push_back(bool_key(
        "cluster.enabled",
        "Run as one node of a cluster sharing cluster.redis (needs store.engine = \"redis\" or "
        "\"none\").",
        [](auto& c) -> auto& { return c.cluster.enabled; }));
    t.push_back(string_key(
        "cluster.redis", "The Redis 7 server the cluster's nodes share (redis://host:port).",
        [](auto& c) -> auto& { return c.cluster.redis; }, false));
    t.push_back(string_key(
        "cluster.node_id",
        "This node's id, unique in the cluster (1-64 characters); empty: generated at start.",
        [](auto& c) -> auto& { return c.cluster.node_id; }, true));
    t.push_back(integer_key(
        "cluster.lease_ms",
        "How long a node stays listed without renewing: a dead node's users go offline within it.",
        [](auto& c) -> auto& { return c.cluster.lease_ms; }, 300, 600'000));
    t.push_back(string_key(
        "session.kick_policy",
        "What a new login does to the user's older sessions: none (keep all, like J-IM), "
        "same_terminal (close those on the same protocol, tcp or ws) or single (close all).",
        [](auto& c) -> auto& { return c.session.kick_policy; }, false,
        {"none", "same_terminal", "single"}));
    t.push_back(integer_key(
        "presence.max_group_list",
        "Groups with more members than this hear presence changes as a count (cmd 29), not as "
        "one cmd 9/10 per member coming or going.",
        [](auto& c) -> auto& { return c.presence.max_group_list; }, 0, kNoMax));
    t.push_back(integer_key(
        "presence.count_interval_ms",
        "Send a large group's online count at most once per this many milliseconds (1..3600000).",
        [](auto& c) -> auto& { return c.presence.count_interval_ms; }, 1, 3'600'000));
    t.push_back(integer_key(
        "groups.max_members",
        "A join (cmd 7) is refused with result 3 (GROUP_FULL) once a group has this many "
        "members; 0: no limit.",
        [](auto& c) -> auto& { return c.groups.max_members; }, 0, kNoMax));
    t.push_back(string_key(
        "groups.join",
        "open: cmd 7 joins any group (J-IM); invite: members are added through the admin API and "
        "cmd 7 is refused (result 2 for a group without members, 0 otherwise).",
        [](auto& c) -> auto& { return c.groups.join; }, false, {"open", "invite"}));
    t.push_back(integer_key(
        "chat.recall_window",
        "Seconds after sending in which a sender may recall its message (cmd 15); 0: never. The "
        "admin API recalls at any time.",
        [](auto& c) -> auto& { return c.chat.recall_window; }, 0, 315360000));
    t.push_back(string_key(
        "webhook.url",
        "http:// or https:// URL that receives event batches (docs/webhooks.md); \"\" disables "
        "webhooks.",
        [](auto& c) -> auto& { return c.webhook.url; }, true));
    t.push_back(string_key(
        "webhook.secret",
        "Key of the X-Jim-Signature header (HMAC-SHA256 of the body); set it with webhook.url.",
        [](auto& c) -> auto& { return c.webhook.secret; }, true));
    t.push_back(string_list_key(
        "webhook.events",
        "Events to send: user.online, user.offline, message.offline, message, group.join, "
        "group.leave.",
        [](auto& c) -> auto& { return c.webhook.events; },
        // service/events.cpp names them; main.cpp still refuses a name the service lacks.
        {"user.online", "user.offline", "message.offline", "message", "group.join",
         "group.leave"}));
    t.push_back(integer_key(
        "webhook.queue_max",
        "Events waiting at most; beyond it new events are dropped and counted.",
        [](auto& c) -> auto& { return c.webhook.queue_max; }, 1, 10000000));
    t.push_back(integer_key(
        "webhook.batch_max", "Most events in one POST.",
        [](auto& c) -> auto& { return c.webhook.batch_max; }, 1, 10000));
    t.push_back(integer_key(
        "webhook.timeout_ms", "Time one POST may take, in milliseconds.",
        [](auto& c) -> auto& { return c.webhook.timeout_ms; }, 1, 600000));
    t.push_back(integer_key(
        "webhook.max_attempts",
        "Attempts per batch (retries back off from 0.5 s, doubling) before it is dropped.",
        [](auto& c) -> auto& { return c.webhook.max_attempts; }, 1, 100));
    t.push_back(string_key(
        "hook.url",
        "http:// or https:// URL asked about every chat message before it is stored "
        "(docs/webhooks.md); \"\" disables it.",
        [](auto& c) -> auto& { return c.hook.url; }, true));
    t.push_back(string_key(
        "hook.secret", "Key of the X-Jim-Signature header on hook requests; empty sends none.",
        [](auto& c) -> auto& { return c.hook.secret; }, true));
    t.push_back(integer_key(
        "hook.timeout_ms", "Time the moderation hook may take per message, in milliseconds.",
        [](auto& c) -> auto& { return c.hook.timeout_ms; }, 1, 60000));
    t.push_back(bool_key(
        "hook.fail_open",
        "true: a message passes when the hook fails or times out; false: it is rejected.",
        [](auto& c) -> auto& { return c.hook.fail_open; }));
    t.push_back(string_key(
        "hooks.tls.ca_file",
        "PEM file of certificates that https:// hook URLs (auth.webhook.url, webhook.url, "
        "hook.url) are also trusted with, besides the system store; \"\": the system store only.",
        [](auto& c) -> auto& { return c.hooks.tls.ca_file; }, true));
    t.push_back(bool_key(
        "hooks.tls.insecure",
        "true: https:// hook URLs are called without checking the certificate or its name "
        "(development only; logged as a warning).",
        [](auto& c) -> auto& { return c.hooks.tls.insecure; }));
    t.push_back(string_key("log.level", "Log verbosity: trace, debug, info, warn, error or off.",
                           [](auto& c) -> auto& { return c.log.level; }, false,
                           {"trace", "debug", "info", "warn", "error", "off"}));
    return t;
}

const std::vector<KeyDesc>& key_table() {
    static const std::vector<KeyDesc> table = make_key_table();
    return table;
}

const KeyDesc* find_key(std::string_view key) {
    const auto& table = key_table();
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const KeyDesc& d) { return d.key == key; });
    return it == table.end() ? nullptr : &*it;
}

bool is_section(std::string_view name) {
    return std::any_of(key_table().begin(), key_table().end(), [&](const KeyDesc& d) {
        return d.key.size() > name.size() && d.key.starts_with(name) && d.key[name.size()] == '.';
    });
}

void apply_value(const std::string& key, const toml::node& node, Config& cfg,
                 std::vector<std::string>& problems) {
    const KeyDesc* desc = find_key(key);
    if (desc == nullptr) {
        problems.push_back(key + ": unknown key");
        return;
    }
    if (std::string why = desc->set(node, cfg); !why.empty()) {
        problems.push_back(key + ": " + why);
    }
}

// A table below a section (`[auth.jwt]`, or dotted keys `jwt.secret = ...` in `[auth]`) is
// flattened into its keys' full names.
void apply_keys(const std::string& prefix, const toml::table& table, Config& cfg,
                std::vector<std::string>& problems) {
    for (auto&& [key, value] : table) {
        const std::string name = prefix + "." + std::string(key.str());
        if (const auto* sub = value.as_table();
            sub != nullptr && find_key(name) == nullptr && is_section(name)) {
            apply_keys(name, *sub, cfg, problems);
        } else {
            apply_value(name, value, cfg, problems);
        }
    }
}

// The file holds [section] tables of keys (and sub-tables such as [auth.jwt]).
void apply_table(const toml::table& root, Config& cfg, std::vector<std::string>& problems) {
    for (auto&& [name, node] : root) {
        const std::string section(name.str());
        const auto* table = node.as_table();
        if (table == nullptr || !is_section(section)) {
            problems.push_back(section +
                               (is_section(section) ? ": must be a table" : ": unknown key"));
            continue;
        }
        apply_keys(section, *table, cfg, problems);
    }
}

void apply_file(const std::string& file, Config& cfg, std::vector<std::string>& problems) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno;
        problems.push_back(file + ": cannot open: " + std::generic_category().message(err));
        return;
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        problems.push_back(file + ": read error");
        return;
    }
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        problems.push_back(file + ": parse error at line " + std::to_string(where.line) +
                           ", column " + std::to_string(where.column) + ": " +
                           std::string(e.description()));
        return;
    }
    apply_table(root, cfg, problems);
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

void apply_override(const std::string& text, Config& cfg, std::vector<std::string>& problems) {
    const auto eq = text.find('=');
    const std::string key(trim(std::string_view(text).substr(0, eq)));
    if (eq == std::string::npos || key.find('.') == std::string::npos) {
        problems.push_back("override \"" + text + "\": expected section.key=value");
        return;
    }
    const std::string value(trim(std::string_view(text).substr(eq + 1)));
    // A value is TOML when it parses as exactly one TOML value; anything else (bare words,
    // paths, empty text) is the literal string, which is what a shell user means.
    try {
        const toml::table parsed = toml::parse("v = " + value);
        if (const toml::node* node = parsed.get("v"); node != nullptr && parsed.size() == 1) {
            apply_value(key, *node, cfg, problems);
            return;
        }
    } catch (const toml::parse_error&) {
        // Not TOML: fall through to the string reading.
    }
    apply_value(key, toml::value<std::string>{value}, cfg, problems);
}

bool has_problem_for(const std::vector<std::string>& problems, std::size_t from,
                     std::string_view key) {
    return std::any_of(problems.begin() + static_cast<std::ptrdiff_t>(from), problems.end(),
                       [&](const std::string& p) {
                           return p.starts_with(key) && p.size() > key.size() &&
                                  p[key.size()] == ':';
                       });
}

// Rules that span keys run once all values are in, so their order in file and overrides
// does not matter. A key already reported is not reported again.
void check_cross_keys(const Config& cfg, std::vector<std::string>& problems, std::size_t from) {
    if (cfg.auth.mode == "static" && cfg.auth.users_file.empty() &&
        !has_problem_for(problems, from, "auth.users_file")) {
        problems.push_back("auth.users_file: required when auth.mode is \"static\"");
    }
    if (cfg.auth.mode == "jwt" && cfg.auth.jwt.secret.empty() && cfg.auth.jwt.public_key.empty() &&
        !has_problem_for(problems, from, "auth.jwt.secret") &&
        !has_problem_for(problems, from, "auth.jwt.public_key")) {
        problems.push_back(
            "auth.jwt.secret: auth.jwt.secret or auth.jwt.public_key is required when auth.mode "
            "is \"jwt\"");
    }
    const auto& l = cfg.limits;
    if ((l.outbox_low_water_bytes > l.outbox_high_water_bytes ||
         l.outbox_high_water_bytes > l.max_outbox_bytes) &&
        !has_problem_for(problems, from, "limits.outbox_low_water_bytes") &&
        !has_problem_for(problems, from, "limits.outbox_high_water_bytes") &&
        !has_problem_for(problems, from, "limits.max_outbox_bytes")) {
        problems.push_back(
            "limits.outbox_high_water_bytes: must lie between limits.outbox_low_water_bytes and "
            "limits.max_outbox_bytes");
    }
    if (cfg.auth.mode == "webhook" && cfg.auth.webhook.url.empty() &&
        !has_problem_for(problems, from, "auth.webhook.url")) {
        problems.push_back("auth.webhook.url: required when auth.mode is \"webhook\"");
    }
    for (const auto& [key, url] :
         {std::pair<std::string_view, const std::string&>{"webhook.url", cfg.webhook.url},
          {"hook.url", cfg.hook.url},
          {"auth.webhook.url", cfg.auth.webhook.url}}) {
        if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://") &&
            !has_problem_for(problems, from, key)) {
            problems.push_back(std::string(key) + ": must be an http:// or https:// URL");
        }
    }
    // Checked here so a typo stops the start (exit 2); whether it holds certificates is checked
    // when the hooks are made.
    if (const auto& ca = cfg.hooks.tls.ca_file;
        !ca.empty() && !has_problem_for(problems, from, "hooks.tls.ca_file")) {
        std::ifstream in(ca, std::ios::binary);
        if (!in) {
            const int err = errno;
            problems.push_back("hooks.tls.ca_file: cannot read " + ca + ": " +
                               std::generic_category().message(err));
        }
    }
    if (cfg.cluster.enabled && (cfg.store.engine == "rocksdb" || cfg.store.engine == "memory") &&
        !has_problem_for(problems, from, "store.engine")) {
        problems.push_back(
            "cluster.enabled: needs a store every node shares: store.engine = \"redis\" (or "
            "\"none\" to store nothing); \"" +
            cfg.store.engine + "\" keeps messages on one node only");
    }
    if (cfg.cluster.node_id.size() > 64 ||
        cfg.cluster.node_id.find_first_of(" \t\r\n{}:") != std::string::npos) {
        problems.push_back(
            "cluster.node_id: at most 64 characters, without spaces, braces or colons");
    }
    if (cfg.cluster.enabled && !jim::redis::parse_endpoint(cfg.cluster.redis) &&
        !has_problem_for(problems, from, "cluster.redis")) {
        problems.push_back("cluster.redis: must be redis://host:port");
    }
    if (cfg.tls.cert.empty() != cfg.tls.key.empty() &&
        !has_problem_for(problems, from, "tls.key") &&
        !has_problem_for(problems, from, "tls.cert")) {
        problems.push_back(cfg.tls.cert.empty() ? "tls.cert: required when tls.key is set"
                                                : "tls.key: required when tls.cert is set");
    }
}

}  // namespace

bool load_config(const std::string& file, const std::vector<std::string>& overrides, Config& out,
                 std::vector<std::string>& problems) {
    const std::size_t before = problems.size();
    Config cfg;
    if (!file.empty()) {
        apply_file(file, cfg, problems);
    }
    for (const std::string& o : overrides) {
        apply_override(o, cfg, problems);
    }
    check_cross_keys(cfg, problems, before);
    if (problems.size() != before) {
        return false;
    }
    out = std::move(cfg);
    return true;
}

const std::vector<KeyInfo>& config_keys() {
    static const std::vector<KeyInfo> keys = [] {
        const Config defaults;
        std::vector<KeyInfo> v;
        for (const KeyDesc& d : key_table()) {
            v.push_back({d.key, d.get(defaults), d.doc, d.type});
        }
        return v;
    }();
    return keys;
}

}  // namespace jim::app
