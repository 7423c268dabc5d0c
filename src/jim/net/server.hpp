#pragma once
// The listening server: N workers, one acceptor, the presence registry, the command service and
// the HTTP API. It implements service::Delivery, the way handlers reach sessions on any worker,
// and api::Backend, what the HTTP API asks of the running server.
//
// Owner: app main (or a test). Thread: start()/stop()/port()/stats() from the owning thread;
// the Delivery methods from any worker.

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jim/api/http_api.hpp"
#include "jim/api/metrics_text.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/cluster/cluster.hpp"
#include "jim/net/connection.hpp"
#include "jim/net/ip_limiter.hpp"
#include "jim/net/options.hpp"
#include "jim/net/stats.hpp"
#include "jim/net/tls.hpp"
#include "jim/router/groups.hpp"
#include "jim/router/registry.hpp"
#include "jim/service/command_service.hpp"

namespace jim::net {

class Worker;
struct Envelope;

class Server final : public service::Delivery, public api::Backend, public cluster::LocalNode {
  public:
    // `store` may be null (nothing persisted); it must outlive the server, and the owner drains
    // it after stop() and before destroying the server (store completions post to workers).
    // stop() drains it too, before telling clients goodbye, so their last acks go out.
    Server(ServerOptions options, const auth::Authenticator& auth, const Clock& clock,
           store::MessageStore* store = nullptr);
    ~Server() override;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Throws std::runtime_error if the TLS certificate or key cannot be loaded.
    // Binds and starts the workers. Throws boost::system::system_error if the address cannot be
    // bound.
    void start();
    // Graceful stop, idempotent: stops accepting and reading, lets the store finish what it was
    // given (so every ack that can go out does), tells every client (WebSocket close 1001, TCP
    // close command), writes what is queued for up to options().shutdown_drain_ms, then joins
    // the workers.
    void stop();
    // Ready for traffic (GET /readyz): the workers run and no stop has begun. The store, when
    // there is one, was opened before the server was made.
    bool ready() override { return running_.load(std::memory_order_relaxed); }
    // The body of GET /metrics (net/metrics.cpp): every worker's counters summed now.
    std::string metrics_text() override;
    // The source of the jim_redis_link_up gauge: whoever owns the Redis link (the cluster layer)
    // sets it once before start(). It is called at scrape time on a worker thread, so it must be
    // cheap and thread-safe, and answer true while the link is up. Unset, the gauge reads 0.
    void set_redis_link_source(std::function<bool()> up) { redis_link_up_ = std::move(up); }
    // More samples for /metrics from the owner (main adds the allocator's figures when jemalloc
    // is linked). Set once before start(); called at scrape time on a worker thread.
    void set_metrics_extension(std::function<void(api::MetricsText&)> f) {
        metrics_extension_ = std::move(f);
    }
    // Makes this node part of a cluster (set once before start(); not owned, must outlive the
    // server): Delivery then reaches users on every node, and this node's presence changes are
    // announced. start() starts it on worker 0's loop, stop() stops it before the workers.
    void set_cluster(cluster::Cluster* c) noexcept { cluster_ = c; }
    cluster::Cluster* cluster() noexcept { return cluster_; }
    // Any worker: the number of sessions of `user` on this node changed.
    void presence_changed(std::string_view user) {
        if (cluster_ != nullptr) cluster_->presence_changed(user);
    }

    std::uint16_t port() const noexcept { return port_; }
    ServerStats stats() const;
    const ServerOptions& options() const noexcept { return options_; }
    router::Registry& registry() noexcept { return registry_; }
    router::Groups& groups() noexcept { return groups_; }
    service::CommandService& service() noexcept override { return service_; }
    api::HttpApi& api() noexcept { return api_; }
    TlsContext* tls_context() noexcept { return tls_.get(); }
    std::size_t worker_count() const noexcept { return worker_count_; }
    // Any worker: a connection admitted by the acceptor has ended.
    void release_connection(std::uint32_t ip_entry);
    Worker& worker(std::size_t i) noexcept { return *workers_[i]; }

    std::size_t send_to_user(std::string_view user, std::uint8_t command, const SharedBytes& body,
                             router::SessionRef exclude) override;
    std::size_t send_to_members(std::string_view group, const std::vector<std::string>& members,
                                std::uint8_t command, const SharedBytes& body,
                                router::SessionRef exclude) override;
    void membership_changed(std::string_view group, std::string_view user, bool joined) override;
    void ban_changed(std::string_view user, std::string_view reason, bool banned) override;
    std::size_t close_user(std::string_view user, Errc reason) override;
    void send_to_session(router::SessionRef session, std::uint8_t command,
                         const SharedBytes& body) override;
    std::vector<SessionEntry> sessions_of(std::string_view user) override;
    void close_session(router::SessionRef session, Errc reason) override;

    // api::Backend (called on a worker thread)
    bool online(std::string_view user) override;
    std::size_t online_count() override;
    std::vector<std::string> online_users(std::size_t limit) override;
    std::vector<api::SessionInfo> sessions(std::string_view user) override;
    std::size_t kick(std::string_view user) override;
    void send_chat(std::string_view from, std::string_view body,
                   std::function<void(service::ChatOutcome)> done) override;
    // Profiles and friends (server_people.cpp): the service on the calling worker's context.
    void set_profile(std::string user, router::Profile profile,
                     std::function<void(Errc)> done) override;
    void get_profile(std::string user,
                     std::function<void(Result<std::optional<router::Profile>>)> done) override;
    void add_friend(std::string user, std::string friend_id, std::string category,
                    std::function<void(Errc)> done) override;
    void remove_friend(std::string user, std::string friend_id,
                       std::function<void(Errc)> done) override;
    void friends(std::string user,
                 std::function<void(Result<std::vector<store::Friend>>)> done) override;
    void recall(service::RecallTarget target,
                std::function<void(service::RecallOutcome)> done) override;
    service::WorkerContext& context() override;
    std::string stats_json() override;
    bool degraded() override;

    // cluster::LocalNode (server_cluster.cpp; called on worker 0, the cluster's loop)
    void deliver(std::vector<cluster::Inbound> batch) override;
    void membership_changed_elsewhere(std::string_view group, std::string_view user,
                                      bool joined) override;
    void ban_changed_elsewhere(std::string_view user, std::string_view reason,
                               bool banned) override;
    void announcements_missed() override;
    std::uint32_t local_sessions(std::string_view user) override;
    std::vector<std::pair<std::string, std::uint32_t>> local_presence() override;

  private:
    using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp,
                                                        boost::asio::io_context::executor_type>;
    void accept_next();
    // On the acceptor (worker 0): checks the connection limits; ok means admitted (and counted).
    Errc admit(const Connection::Socket& socket, std::uint32_t& ip_entry);
    void route(router::SessionRef to, Envelope e);
    // This node's sessions of `user` only.
    std::size_t send_local(std::string_view user, std::uint8_t command, const SharedBytes& body,
                           router::SessionRef exclude);
    std::size_t close_local(std::string_view user, Errc reason);
    service::WorkerContext& calling_context();
    void cluster_metrics(api::MetricsText& m);

    ServerOptions options_;
    std::size_t worker_count_;
    router::Registry registry_;
    router::Groups groups_;
    service::CommandService service_;
    std::unique_ptr<TlsContext> tls_;
    api::HttpApi api_;
    std::vector<std::unique_ptr<Worker>> workers_;
    IpLimiter ip_limiter_;
    std::atomic<std::uint32_t> connections_{0};  // admitted and not yet destroyed, all workers
    std::unique_ptr<Acceptor> acceptor_;         // lives on worker 0
    std::unique_ptr<boost::asio::steady_timer> accept_retry_;
    std::size_t next_worker_ = 0;
    std::uint16_t port_ = 0;
    std::atomic<bool> running_{false};
    store::MessageStore* store_;
    std::function<bool()> redis_link_up_;
    std::function<void(api::MetricsText&)> metrics_extension_;
    cluster::Cluster* cluster_ = nullptr;
};

// CPUs this process may run on (sched_getaffinity), at least 1. hardware_concurrency() ignores
// taskset, so a pinned server would start too many workers.
int usable_cpus() noexcept;

}  // namespace jim::net
