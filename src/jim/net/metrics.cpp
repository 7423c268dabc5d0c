// GET /metrics: the Prometheus families of a running server. Counters live per worker (and per
// store) and are summed here at scrape time, so the hot path only ever does a plain add.
// Names and labels are listed in docs/operations.md.

#include "jim/api/metrics_text.hpp"
#include "jim/base/version.hpp"
#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"

namespace jim::net {
namespace {

constexpr codec::Protocol kProtocols[] = {codec::Protocol::unknown, codec::Protocol::tcp,
                                          codec::Protocol::http, codec::Protocol::websocket};

using Array = std::array<std::atomic<std::uint64_t>, kErrcCount>;

void by_reason(api::MetricsText& m, std::string_view name, std::string_view help,
               const std::vector<const Array*>& arrays, bool skip_ok) {
    m.family(name, "counter", help);
    for (std::size_t i = skip_ok ? 1 : 0; i < kErrcCount; ++i) {
        std::uint64_t n = 0;
        for (const Array* a : arrays) n += (*a)[i].load(std::memory_order_relaxed);
        m.sample(name, api::MetricsText::label("reason", error_info(static_cast<Errc>(i)).name), n);
    }
}

}  // namespace

// Only on a cluster node.
void Server::cluster_metrics(api::MetricsText& m) {
    const auto& cs = cluster_->stats();
    const auto load = [](const std::atomic<std::uint64_t>& v) {
        return v.load(std::memory_order_relaxed);
    };
    m.family("jim_cluster_link_up", "gauge", "1 while both cluster links to Redis are up.");
    m.sample("jim_cluster_link_up", {}, std::uint64_t{cluster_->up() ? 1u : 0u});
    m.family("jim_cluster_nodes", "gauge", "Other nodes known alive (their lease runs).");
    m.sample("jim_cluster_nodes", {}, load(cs.live_nodes));
    m.family("jim_cluster_remote_users", "gauge", "Users online on other nodes only or too.");
    m.sample("jim_cluster_remote_users", {}, std::uint64_t{cluster_->remote_users()});
    const struct {
        const char* name;
        const char* help;
        std::uint64_t value;
    } rows[] = {
        {"jim_cluster_deliveries_out_total", "Deliveries queued for other nodes.",
         load(cs.deliveries_out)},
        {"jim_cluster_deliveries_in_total", "Deliveries received from other nodes.",
         load(cs.deliveries_in)},
        {"jim_cluster_payloads_out_total", "PUBLISHes to other nodes' channels.",
         load(cs.payloads_out)},
        {"jim_cluster_payloads_dropped_total",
         "Payloads for other nodes not sent because the Redis link was down.",
         load(cs.payloads_dropped)},
        {"jim_cluster_bad_payloads_total", "Malformed payloads received and refused.",
         load(cs.bad_payloads)},
        {"jim_cluster_snapshots_total", "Other nodes' presence re-read from Redis.",
         load(cs.snapshots)},
        {"jim_cluster_nodes_expired_total", "Other nodes dropped because their lease ran out.",
         load(cs.nodes_expired)},
    };
    for (const auto& row : rows) {
        m.family(row.name, "counter", row.help);
        m.sample(row.name, {}, row.value);
    }
}

std::string Server::metrics_text() {
    api::MetricsText m;
    m.family("jim_build_info", "gauge", "The running version (value 1).");
    m.sample("jim_build_info", api::MetricsText::label("version", kVersion), std::uint64_t{1});
    m.family("jim_ready", "gauge", "1 while the server accepts traffic (GET /readyz).");
    m.sample("jim_ready", {}, std::uint64_t{ready() ? 1u : 0u});

    for (const auto& row : kWorkerCounters) {
        std::uint64_t n = 0;
        for (const auto& w : workers_) n += (w->stats().*row.field).load(std::memory_order_relaxed);
        m.family(row.name, row.type, row.help);
        m.sample(row.name, {}, n);
    }

    const auto per_protocol = [&](std::string_view name, std::string_view type,
                                  std::string_view help, auto field) {
        m.family(name, type, help);
        for (const auto p : kProtocols) {
            std::uint64_t n = 0;
            for (const auto& w : workers_) {
                n += (w->stats().*field)[static_cast<std::size_t>(p)].load(
                    std::memory_order_relaxed);
            }
            m.sample(name, api::MetricsText::label("protocol", codec::protocol_name(p)), n);
        }
    };
    per_protocol("jim_connections", "gauge",
                 "Connections open now by protocol (unknown: not yet detected).",
                 &WorkerStats::open_by_protocol);
    per_protocol("jim_connections_detected_total", "counter",
                 "Connections by detected protocol (a WebSocket upgrade counts as ws).",
                 &WorkerStats::detected);

    std::vector<const Array*> closed;
    std::vector<const Array*> errors;
    LatencyHistogram::Snapshot ack;
    std::uint64_t chats = 0;
    for (const auto& w : workers_) {
        closed.push_back(&w->stats().closed);
        const auto& ss = w->context().stats;
        errors.push_back(&ss.errors);
        chats += ss.chats.load(std::memory_order_relaxed);
        ss.ack_latency.add_to(ack);
    }
    by_reason(m, "jim_connections_closed_total", "Connections closed, by reason (ok: normal).",
              closed, false);
    by_reason(m, "jim_errors_total", "Commands answered with an error status, by reason.", errors,
              true);

    m.family("jim_online_users", "gauge", "Users with at least one live session.");
    m.sample("jim_online_users", {}, static_cast<std::uint64_t>(registry_.online_users()));
    m.family("jim_chat_messages_total", "counter", "Chat messages accepted from clients.");
    m.sample("jim_chat_messages_total", {}, chats);
    m.histogram("jim_ack_latency_seconds",
                "From a chat command's dispatch to its ack being queued (store commit included).",
                ack);

    const store::StoreStats st = store_ != nullptr ? store_->stats() : store::StoreStats{};
    struct StoreRow {
        std::string_view name;
        std::string_view help;
        std::uint64_t value;
    };
    const StoreRow store_rows[] = {
        {"jim_store_appends_total", "Messages appended to the store.", st.appends},
        {"jim_store_commits_total", "Group commits (one log write each).", st.commits},
        {"jim_store_duplicates_total", "Appends recognised as a retried clientMsgId.",
         st.duplicates},
        {"jim_store_inbox_dropped_total", "Inbox entries dropped by store.inbox_max.",
         st.inbox_dropped},
        {"jim_store_history_expired_total", "Messages dropped by store.history_ttl_s.",
         st.history_expired},
    };
    for (const auto& row : store_rows) {
        m.family(row.name, "counter", row.help);
        m.sample(row.name, {}, row.value);
    }
    m.histogram("jim_store_commit_latency_seconds",
                "Duration of one group commit's write to the store engine.", st.commit_latency);
    if (st.engine_memory) {
        const store::EngineMemory& mem = *st.engine_memory;
        const StoreRow memory_rows[] = {
            {"jim_store_block_cache_bytes",
             "RocksDB block cache in use (data blocks; index and filter blocks too).",
             mem.block_cache},
            {"jim_store_block_cache_pinned_bytes",
             "Of jim_store_block_cache_bytes, the blocks pinned by readers.",
             mem.block_cache_pinned},
            {"jim_store_memtables_bytes", "RocksDB memtables (active, immutable and pinned).",
             mem.memtables},
            {"jim_store_table_readers_bytes",
             "RocksDB table readers' memory outside the block cache (index and filter blocks).",
             mem.table_readers},
        };
        for (const auto& row : memory_rows) {
            m.family(row.name, "gauge", row.help);
            m.sample(row.name, {}, row.value);
        }
    }

    m.family("jim_redis_link_up", "gauge", "1 while the Redis link is up; 0 when down or unused.");
    m.sample("jim_redis_link_up", {}, std::uint64_t{redis_link_up_ && redis_link_up_() ? 1u : 0u});
    if (cluster_ != nullptr) cluster_metrics(m);
    if (metrics_extension_) metrics_extension_(m);
    return m.take();
}

}  // namespace jim::net
