#pragma once
// Settings of the network core, filled by the app layer from the configuration.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jim/codec/tcp_frame.hpp"
#include "jim/net/ip_limiter.hpp"
#include "jim/service/events.hpp"
#include "jim/service/kick_policy.hpp"
#include "jim/service/moderation.hpp"

namespace jim::net {

struct ServerOptions {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8888;                   // 0: any free port (tests)
    int workers = 0;                             // 0: one per CPU this process may run on
    std::int64_t heartbeat_timeout_ms = 120000;  // 0: never close idle sessions
    std::int64_t login_timeout_ms = 10000;       // 0: no login deadline
    codec::tcp::Limits tcp;
    std::size_t max_http_head = 16 * 1024;
    std::size_t max_ws_message = 2u * 1024 * 1024;  // fragments included; 1009 beyond it
    std::string tls_cert;                           // PEM; TLS is on when both are set
    std::string tls_key;                            // PEM
    std::string api_key;                        // empty: the HTTP API answers loopback clients only
    std::string static_root;                    // web page root; empty: no static files
    std::vector<std::string> default_groups;    // every user joins these at login
    bool push_offline_on_login = true;          // store.push_offline_on_login
    std::size_t presence_max_group_list = 500;  // presence.max_group_list
    std::int64_t presence_count_interval_ms = 1000;  // presence.count_interval_ms
    std::int64_t recall_window_ms = 120'000;         // chat.recall_window; 0: senders cannot recall
    std::size_t max_http_body = 1024 * 1024;         // HTTP API request bodies; 413 beyond it
    service::EventSink* events = nullptr;            // webhooks; not owned, outlives the server
    service::Moderator* moderator = nullptr;         // hook.url; not owned, outlives the server
    // More members for GET /api/stats (the integrations' counters), e.g. "webhooks":{…};
    // called on a worker. Empty: none.
    std::function<std::string()> extra_stats;
    // Slow consumers: above high water the peer's input is not read until its outbox drains
    // below low water; above the hard cap it is closed (slow_consumer).
    std::size_t outbox_high_water = 1024 * 1024;
    std::size_t outbox_low_water = 256 * 1024;
    std::size_t max_outbox_bytes = 16u * 1024 * 1024;
    std::uint32_t max_connections = 0;     // all workers together; 0: no limit
    IpLimits per_ip;                       // connections and new connections per address
    std::uint32_t max_messages_per_s = 0;  // per connection (token bucket); 0: no limit
    std::int64_t tick_ms = 100;            // timer wheel resolution
    service::KickPolicy kick_policy = service::KickPolicy::none;  // session.kick_policy
    std::size_t group_max_members = 0;                            // groups.max_members
    bool groups_by_invitation = false;                            // groups.join = "invite"
    // How long a stopping server lets clients receive their goodbye and queued output.
    std::int64_t shutdown_drain_ms = 2000;
};

}  // namespace jim::net
