// jim-server: command line, configuration, start-up and signal handling.
// Exceptions are allowed only here, at start-up (CONVENTIONS): each is reported with a clear
// message and a non-zero exit code.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "jim/app/allocator_stats.hpp"
#include "jim/app/config.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/auth/jwt.hpp"
#include "jim/base/version.hpp"
#include "jim/cluster/cluster.hpp"
#include "jim/hooks/auth_webhook.hpp"
#include "jim/hooks/moderation_hook.hpp"
#include "jim/hooks/webhooks.hpp"
#include "jim/net/server.hpp"
#include "jim/net/tls.hpp"
#include "jim/store/message_store.hpp"
#include "jim/store/redis_store.hpp"

namespace {

constexpr int kExitConfig = 2;
constexpr int kExitStartup = 3;

jim::net::ServerOptions server_options(const jim::app::Config& c) {
    jim::net::ServerOptions o;
    o.host = c.server.host;
    o.port = c.server.port;
    o.workers = c.server.workers;
    o.heartbeat_timeout_ms = c.server.heartbeat_timeout_ms;
    o.login_timeout_ms = c.limits.login_timeout_ms;
    o.tcp.max_body = c.limits.max_body_bytes;
    o.max_http_head = c.limits.max_http_head_bytes;
    o.max_ws_message = c.limits.max_ws_message_bytes;
    o.max_http_body = c.limits.max_http_body_bytes;
    o.max_connections = c.limits.max_connections;
    o.per_ip = {c.limits.max_connections_per_ip, c.limits.max_new_connections_per_ip_per_s};
    o.max_messages_per_s = c.limits.max_messages_per_s;
    o.outbox_high_water = c.limits.outbox_high_water_bytes;
    o.outbox_low_water = c.limits.outbox_low_water_bytes;
    o.max_outbox_bytes = c.limits.max_outbox_bytes;
    o.tls_cert = c.tls.cert;
    o.tls_key = c.tls.key;
    o.api_key = c.api.key;
    o.static_root = c.http.root;
    o.default_groups = c.auth.default_groups;
    o.push_offline_on_login = c.store.push_offline_on_login;
    o.presence_max_group_list = static_cast<std::size_t>(c.presence.max_group_list);
    o.presence_count_interval_ms = c.presence.count_interval_ms;
    o.recall_window_ms = c.chat.recall_window * 1000;
    o.kick_policy = jim::service::parse_kick_policy(c.session.kick_policy)
                        .value_or(jim::service::KickPolicy::none);  // validated by the config
    o.group_max_members = static_cast<std::size_t>(c.groups.max_members);
    o.groups_by_invitation = c.groups.join == "invite";
    // Half the shutdown budget for clients to take their goodbye; the rest is for the store's
    // last commits and the joins, so a stop normally ends well inside the watchdog.
    o.shutdown_drain_ms = c.server.shutdown_timeout_ms / 2;
    return o;
}

jim::hooks::Url url_of(std::string_view key, const std::string& text) {
    auto url = jim::hooks::parse_url(text);
    if (!url) {
        throw std::runtime_error(std::string(key) +
                                 ": not a valid http:// or https:// URL: " + text);
    }
    return *url;
}

jim::hooks::HttpTlsOptions hook_tls(const jim::app::Config& c) {
    return {c.hooks.tls.ca_file, c.hooks.tls.insecure};
}

// hooks.tls.* for https hook URLs: a ca_file without certificates is a configuration error (the
// configuration checked that it can be read). Returns the problem, or "".
std::string check_hook_tls(const jim::app::Config& c) {
    const auto https = [](const std::string& url) { return url.starts_with("https://"); };
    if (!https(c.webhook.url) && !https(c.hook.url) &&
        !(c.auth.mode == "webhook" && https(c.auth.webhook.url))) {
        return {};
    }
    if (c.hooks.tls.insecure) {
        spdlog::warn(
            "hooks.tls.insecure = true: https hook receivers are not authenticated (any "
            "certificate, any name); development only");
    }
    const std::string why = jim::hooks::tls_problem(hook_tls(c));
    return why.empty() ? why : "hooks.tls: " + why;
}

// Event webhooks when webhook.url is set (the URL was validated with the configuration).
std::unique_ptr<jim::hooks::Webhooks> make_webhooks(const jim::app::Config& c,
                                                    const jim::Clock& clock) {
    if (c.webhook.url.empty()) return nullptr;
    jim::hooks::WebhookOptions o;
    o.url = url_of("webhook.url", c.webhook.url);
    o.secret = c.webhook.secret;
    std::string unknown;
    o.events = jim::hooks::event_mask(c.webhook.events, &unknown);
    if (!unknown.empty()) throw std::runtime_error("webhook.events: unknown event " + unknown);
    o.queue_max = static_cast<std::size_t>(c.webhook.queue_max);
    o.batch_max = static_cast<std::size_t>(c.webhook.batch_max);
    o.timeout = std::chrono::milliseconds(c.webhook.timeout_ms);
    o.max_attempts = static_cast<int>(c.webhook.max_attempts);
    o.tls = hook_tls(c);
    if (c.webhook.secret.empty()) spdlog::warn("webhook.secret is empty: receivers cannot verify");
    spdlog::info("webhooks: POSTing events to {}", c.webhook.url);
    return std::make_unique<jim::hooks::Webhooks>(o, clock);
}

// cluster.enabled: this process joins the nodes that share cluster.redis (config checked the
// URL and that the store is shared).
std::unique_ptr<jim::cluster::Cluster> make_cluster(const jim::app::Config& c,
                                                    jim::net::Server& server) {
    if (!c.cluster.enabled) return nullptr;
    jim::cluster::ClusterOptions o;
    o.redis = jim::redis::parse_endpoint(c.cluster.redis).value_or(jim::redis::Endpoint{});
    o.prefix = c.store.redis_prefix;
    o.node_id = c.cluster.node_id.empty() ? jim::cluster::generate_node_id() : c.cluster.node_id;
    o.lease = std::chrono::milliseconds(c.cluster.lease_ms);
    spdlog::info("cluster: node {} on {} (lease {} ms)", o.node_id, o.redis.to_string(),
                 c.cluster.lease_ms);
    return std::make_unique<jim::cluster::Cluster>(std::move(o), server);
}

std::unique_ptr<jim::hooks::HttpModerator> make_moderator(const jim::app::Config& c) {
    if (c.hook.url.empty()) return nullptr;
    jim::hooks::ModerationOptions o;
    o.url = url_of("hook.url", c.hook.url);
    o.secret = c.hook.secret;
    o.timeout = std::chrono::milliseconds(c.hook.timeout_ms);
    o.fail_open = c.hook.fail_open;
    o.tls = hook_tls(c);
    spdlog::info("moderation hook: {} (timeout {} ms, fail {})", c.hook.url, c.hook.timeout_ms,
                 c.hook.fail_open ? "open" : "closed");
    return std::make_unique<jim::hooks::HttpModerator>(o);
}

// "webhooks":{…},"moderation":{…},"auth_webhook":{…} for GET /api/stats (those configured).
std::string integration_stats(const jim::hooks::Webhooks* w, const jim::hooks::HttpModerator* m,
                              const jim::hooks::WebhookAuthenticator* a) {
    std::string out;
    const auto field = [&out](std::string_view name, std::uint64_t v) {
        if (out.back() != '{') out += ',';
        out += '"';
        out += name;
        out += "\":" + std::to_string(v);
    };
    if (w != nullptr) {
        const auto s = w->stats();
        out += "\"webhooks\":{";
        field("batches", s.batches);
        field("delivered", s.delivered);
        field("dropped", s.dropped);
        field("failed", s.failed);
        field("published", s.published);
        field("queued", s.queued);
        field("retries", s.retries);
        out += '}';
    }
    if (m != nullptr) {
        const auto s = m->stats();
        out += out.empty() ? "" : ",";
        out += "\"moderation\":{";
        field("checked", s.checked);
        field("failures", s.failures);
        field("rejected", s.rejected);
        field("replaced", s.replaced);
        out += '}';
    }
    if (a != nullptr) {
        const auto s = a->stats();
        out += out.empty() ? "" : ",";
        out += "\"auth_webhook\":{";
        field("cache_hits", s.cache_hits);
        field("calls", s.calls);
        field("unavailable", s.unavailable);
        out += '}';
    }
    return out;
}

std::unique_ptr<jim::auth::Authenticator> make_authenticator(const jim::app::Config& c,
                                                             const jim::Clock& clock) {
    if (c.auth.mode == "static") return jim::auth::make_static_authenticator(c.auth.users_file);
    if (c.auth.mode == "jwt") {
        return jim::auth::make_jwt_authenticator({c.auth.jwt.secret, c.auth.jwt.public_key}, clock);
    }
    if (c.auth.mode == "webhook") {
        jim::hooks::AuthWebhookOptions o;
        o.url = url_of("auth.webhook.url", c.auth.webhook.url);
        o.secret = c.auth.webhook.secret;
        o.timeout = std::chrono::milliseconds(c.auth.webhook.timeout_ms);
        o.cache_ttl = std::chrono::milliseconds(c.auth.webhook.cache_ttl_ms);
        o.tls = hook_tls(c);
        spdlog::info("auth: logins are decided by {}", c.auth.webhook.url);
        return std::make_unique<jim::hooks::WebhookAuthenticator>(o, clock);
    }
    spdlog::warn(
        "auth.mode = \"open\": any user id with any password may log in; "
        "use auth.mode = \"static\", \"jwt\" or \"webhook\" outside development");
    return jim::auth::make_open_authenticator();
}

// Blocks until SIGINT or SIGTERM. The signals are blocked in every thread (workers inherit the
// mask from main), so sigwait here is the only place they are seen.
int wait_for_signal(const sigset_t& set) {
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

int hash_password(const std::string& user) {
    if (!jim::auth::valid_user_id(user)) {
        std::cerr << "hash-password: invalid user id\n";
        return kExitConfig;
    }
    std::string password;
    if (!std::getline(std::cin, password)) {
        std::cerr << "hash-password: reads the password from the first line of standard input\n";
        return kExitConfig;
    }
    std::cout << jim::auth::hash_password_line(user, password) << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"jim-server: a J-IM compatible instant-messaging server"};
    std::string config_file;
    std::vector<std::string> sets;
    int port = -1;
    std::string data_dir;
    app.add_option("--config", config_file, "TOML configuration file (see conf/jim.example.toml)");
    app.add_option("--port", port, "Listening port (overrides server.port)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--data-dir", data_dir, "Data directory (overrides server.data_dir)");
    app.add_option("--set", sets, "Override any key: --set section.key=value (repeatable)");
    app.set_version_flag("--version", std::string("jim-server ") + jim::kVersion);
    std::string hash_user;
    auto* hash_cmd = app.add_subcommand("hash-password",
                                        "Print an auth.users_file line for USER; the password is "
                                        "read from standard input");
    hash_cmd->add_option("user", hash_user, "User id")->required();
    std::string cert_dir;
    std::string cert_name = "localhost";
    auto* cert_cmd = app.add_subcommand("gen-cert",
                                        "Write a self-signed development certificate and key "
                                        "(DIR/cert.pem, DIR/key.pem)");
    cert_cmd->add_option("dir", cert_dir, "Output directory")->required();
    cert_cmd->add_option("--name", cert_name, "Common name (default localhost)");
    CLI11_PARSE(app, argc, argv);

    if (*hash_cmd) return hash_password(hash_user);
    if (*cert_cmd) {
        try {
            const auto [cert, key] = jim::net::generate_self_signed(cert_dir, cert_name);
            std::cout << "wrote " << cert << " and " << key << "\nrun with --set tls.cert=" << cert
                      << " --set tls.key=" << key << '\n';
            return 0;
        } catch (const std::exception& e) {
            std::cerr << "gen-cert: " << e.what() << '\n';
            return kExitStartup;
        }
    }

    if (port >= 0) sets.push_back("server.port=" + std::to_string(port));
    if (!data_dir.empty()) sets.push_back("server.data_dir=\"" + data_dir + "\"");
    jim::app::Config config;
    std::vector<std::string> problems;
    if (!jim::app::load_config(config_file, sets, config, problems)) {
        std::cerr << "jim-server: invalid configuration:\n";
        for (const auto& p : problems) std::cerr << "  " << p << '\n';
        return kExitConfig;
    }

    auto logger = spdlog::stderr_color_mt("jim");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(config.log.level));

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    if (const std::string why = check_hook_tls(config); !why.empty()) {
        std::cerr << "jim-server: invalid configuration:\n  " << why << '\n';
        return kExitConfig;
    }

    try {
        std::filesystem::create_directories(config.server.data_dir);
        const jim::SystemClock clock;
        auto auth = make_authenticator(config, clock);
        std::unique_ptr<jim::store::MessageStore> store;
        if (config.store.engine != "none") {
            jim::store::StoreOptions so;
            so.engine = config.store.engine;
            so.path = (std::filesystem::path(config.server.data_dir) / "messages").string();
            so.sync = config.store.sync;
            so.redis = config.store.redis;
            so.redis_prefix = config.store.redis_prefix;
            so.history_ttl_s = config.store.history_ttl_s;
            so.inbox_max = static_cast<std::size_t>(config.store.inbox_max);
            so.rocksdb_cache_bytes = static_cast<std::size_t>(config.store.rocksdb.cache_mb) << 20;
            so.rocksdb_write_buffer_bytes =
                static_cast<std::size_t>(config.store.rocksdb.write_buffer_mb) << 20;
            store = jim::store::open_store(so);
            spdlog::info("store: {} at {} (sync = {})", so.engine,
                         so.engine == "redis" ? so.redis : so.path, so.sync);
        }
        auto webhooks = make_webhooks(config, clock);
        auto options = server_options(config);
        options.events = webhooks.get();
        auto moderator = make_moderator(config);
        options.moderator = moderator.get();
        options.extra_stats = [w = webhooks.get(), m = moderator.get(),
                               a = dynamic_cast<jim::hooks::WebhookAuthenticator*>(auth.get())] {
            return integration_stats(w, m, a);
        };
        jim::net::Server server(options, *auth, clock, store.get());
        // Made after the server it calls into, destroyed before it.
        auto cluster = make_cluster(config, server);
        if (store && jim::store::redis_link_state(*store)) {
            // /metrics reports the store's Redis link (jim_redis_link_up).
            server.set_redis_link_source([s = store.get()] {
                return jim::store::redis_link_state(*s) == jim::redis::LinkState::up;
            });
        }
        if (cluster) server.set_cluster(cluster.get());  // started and stopped by the server
#ifdef JIM_JEMALLOC
        server.set_metrics_extension(&jim::app::allocator_metrics);
#endif
        server.start();
        // A machine-readable line for scripts and tests that start the server on port 0.
        std::printf("jim-server %s listening on %s:%u\n", jim::kVersion, config.server.host.c_str(),
                    static_cast<unsigned>(server.port()));
        std::fflush(stdout);

        const int sig = wait_for_signal(signals);
        spdlog::info("signal {} received, shutting down", sig);
        // A watchdog bounds the shutdown. Reaching it means the stop did not complete (a store
        // write hung, say), so it exits with 1, not the 0 of a clean stop.
        std::thread([ms = config.server.shutdown_timeout_ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            std::fprintf(stderr, "jim-server: shutdown took longer than %lld ms, exiting\n",
                         static_cast<long long>(ms));
            std::_Exit(1);
        }).detach();
        server.stop();              // stops accepting, drains the store, tells every client
        if (store) store->drain();  // nothing is left; completions post to the stopped workers
        // The same for the HTTP clients of the hooks: their threads end while the workers they
        // post to still exist (stopped). The server uses none of them after stop().
        moderator.reset();
        auth.reset();
        webhooks.reset();
    } catch (const std::exception& e) {
        spdlog::error("start-up failed: {}", e.what());
        return kExitStartup;
    }
    return 0;
}
