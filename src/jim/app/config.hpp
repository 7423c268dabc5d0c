#pragma once
// Server configuration: defaults, then a TOML file, then command-line overrides ("--set").
//
// One table of key descriptors in config.cpp is the single source of truth: it validates file
// and override values, rejects unknown keys, and produces config_keys(), which documents every
// key and is checked against conf/jim.example.toml by the unit tests. Adding a key means adding
// a field here and one row to that table.
// Thread: any (load_config has no shared state; config_keys() is built once, then immutable).

#include <cstdint>
#include <string>
#include <vector>

namespace jim::app {

// Plain values, already validated when load_config returns true.
struct Config {
    struct Server {
        std::string host = "0.0.0.0";
        std::uint16_t port = 8888;  // 0 = ephemeral (tests)
        int workers = 0;            // 0 = one per CPU in the affinity mask
        std::string data_dir = "./data";
        std::int64_t heartbeat_timeout_ms = 120000;  // 0 disables
        std::int64_t shutdown_timeout_ms = 5000;
    } server;
    struct Limits {
        std::uint32_t max_body_bytes = 2097152;
        std::uint32_t max_http_head_bytes = 16384;
        std::int64_t login_timeout_ms = 10000;         // 0 disables
        std::uint32_t max_ws_message_bytes = 2097152;  // fragments included
        std::uint32_t max_http_body_bytes = 1048576;
        std::uint32_t max_connections = 0;  // 0: no limit (this and the next three)
        std::uint32_t max_connections_per_ip = 0;
        std::uint32_t max_new_connections_per_ip_per_s = 0;
        std::uint32_t max_messages_per_s = 0;  // per connection
        std::uint32_t outbox_high_water_bytes = 1048576;
        std::uint32_t outbox_low_water_bytes = 262144;
        std::uint32_t max_outbox_bytes = 16777216;
    } limits;
    struct Tls {
        std::string cert;  // PEM certificate chain; TLS is on when cert and key are set
        std::string key;   // PEM private key
    } tls;
    struct Http {
        std::string root = "web";  // static files (the web chat page); "" serves none
    } http;
    struct Api {
        std::string key;  // bearer token for /api/*; empty: loopback clients only
    } api;
    struct Auth {
        std::string mode = "open";  // "open" | "static" | "jwt" | "webhook"
        std::string users_file;     // required when mode == "static"
        struct Webhook {
            std::string url;  // required when mode == "webhook"
            std::string secret;
            std::int64_t timeout_ms = 2000;
            std::int64_t cache_ttl_ms = 60000;
        } webhook;
        std::vector<std::string> default_groups;
        struct Jwt {
            std::string secret;      // HS256 key
            std::string public_key;  // RS256 public key, PEM file path
        } jwt;
    } auth;
    struct Store {
        std::string engine = "rocksdb";                // "rocksdb" | "memory" | "redis" | "none"
        std::string redis = "redis://127.0.0.1:6379";  // engine "redis": the server
        std::string redis_prefix = "jim";              // engine "redis": first part of every key
        std::string sync = "process";                  // "process" | "machine"
        std::int64_t history_ttl_s = 0;                // 0: keep history forever
        std::int64_t inbox_max = 10000;                // per user; 0: no cap
        bool push_offline_on_login = true;
        struct RocksDb {
            std::int64_t cache_mb = 64;         // block cache, index and filter blocks included
            std::int64_t write_buffer_mb = 64;  // one memtable; at most two are held
        } rocksdb;
    } store;
    struct Cluster {
        bool enabled = false;
        std::string redis = "redis://127.0.0.1:6379";
        std::string node_id;             // empty: generated (host, pid, random)
        std::int64_t lease_ms = 10'000;  // a dead node's users are offline within this
    } cluster;
    struct Presence {
        std::int64_t max_group_list = 500;  // larger groups hear counts (cmd 29), not cmd 9/10
        std::int64_t count_interval_ms = 1000;
    } presence;
    struct Session {
        std::string kick_policy = "none";  // "none" | "same_terminal" | "single"
    } session;
    struct Groups {
        std::int64_t max_members = 0;  // 0: no limit
        std::string join = "open";     // "open" | "invite"
    } groups;
    struct Chat {
        std::int64_t recall_window = 120;  // seconds; 0: senders cannot recall
    } chat;
    struct Webhook {
        std::string url;  // "" disables event webhooks
        std::string secret;
        std::vector<std::string> events{"user.online", "user.offline", "message.offline",
                                        "group.join", "group.leave"};
        std::int64_t queue_max = 10000;
        std::int64_t batch_max = 100;
        std::int64_t timeout_ms = 5000;
        std::int64_t max_attempts = 5;
    } webhook;
    struct Hook {
        std::string url;  // "" disables the before-send moderation hook
        std::string secret;
        std::int64_t timeout_ms = 200;
        bool fail_open = true;
    } hook;
    struct Hooks {  // what the outgoing calls above share
        struct Tls {
            std::string ca_file;  // PEM certificates trusted for https besides the system store
            bool insecure = false;
        } tls;
    } hooks;
    struct Log {
        std::string level = "info";  // trace | debug | info | warn | error | off
    } log;
};

// Loads defaults, then the TOML file if `file` is non-empty, then each override
// "section.key=value" in order (later ones win). An override value is parsed as a TOML value;
// if that fails, the raw text is taken as a string, so `auth.mode=static` needs no quotes.
// On success returns true and fills `out`. On failure returns false, leaves `out` untouched and
// appends every problem found (not just the first) to `problems`, each starting with the key or
// file it concerns, e.g. `server.port: must be an integer 0..65535 (got "abc")`.
// Never throws on bad input (only std::bad_alloc can escape).
bool load_config(const std::string& file, const std::vector<std::string>& overrides, Config& out,
                 std::vector<std::string>& problems);

// One documented key. default_toml is the default rendered as a TOML value (e.g. `"0.0.0.0"`,
// `8888`, `[]`); type is a short human name ("integer", "string", "array of strings").
struct KeyInfo {
    std::string key;  // "section.key"
    std::string default_toml;
    std::string doc;  // one line, also the comment above the key in conf/jim.example.toml
    std::string type;
};

// Every key, in the order of the descriptor table (grouped by section).
const std::vector<KeyInfo>& config_keys();

}  // namespace jim::app
