#include "jim/net/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sched.h>

#include <chrono>
#include <future>
#include <random>

#include "jim/net/worker.hpp"
#include "jim/proto/command.hpp"

namespace jim::net {

namespace asio = boost::asio;

int usable_cpus() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    return std::max(1, CPU_COUNT(&set));
}

Server::Server(ServerOptions options, const auth::Authenticator& auth, const Clock& clock,
               store::MessageStore* store)
    : options_(std::move(options)),
      worker_count_(
          static_cast<std::size_t>(options_.workers > 0 ? options_.workers : usable_cpus())),
      service_(
          auth, *this, groups_, clock,
          service::ServiceOptions{.default_groups = options_.default_groups,
                                  .push_offline_on_login = options_.push_offline_on_login,
                                  .presence_max_group_list = options_.presence_max_group_list,
                                  .presence_count_interval_ms = options_.presence_count_interval_ms,
                                  .recall_window_ms = options_.recall_window_ms,
                                  .kick_policy = options_.kick_policy,
                                  .group_max_members = options_.group_max_members,
                                  .groups_by_invitation = options_.groups_by_invitation,
                                  .events = options_.events,
                                  .moderator = options_.moderator},
          store),
      tls_(options_.tls_cert.empty()
               ? nullptr
               : std::make_unique<TlsContext>(options_.tls_cert, options_.tls_key)),
      api_(api::ApiOptions{options_.api_key, options_.static_root}, *this),
      ip_limiter_(options_.per_ip),
      store_(store) {
    options_.tcp.max_command = proto::kMaxCommand;
    std::random_device rd;
    for (std::size_t i = 0; i < worker_count_; ++i) {
        const std::uint64_t seed = (static_cast<std::uint64_t>(rd()) << 32) | rd();
        workers_.push_back(std::make_unique<Worker>(*this, static_cast<std::uint16_t>(i), seed));
    }
}

Server::~Server() {
    stop();
}

void Server::start() {
    service_.load_bans();  // before the first login
    auto& io0 = workers_[0]->io();
    acceptor_ = std::make_unique<Acceptor>(io0);
    accept_retry_ = std::make_unique<asio::steady_timer>(io0);
    const asio::ip::tcp::endpoint ep(asio::ip::make_address(options_.host), options_.port);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_->local_endpoint().port();
    running_ = true;
    // The cluster's Redis links live on worker 0's loop, beside the acceptor.
    if (cluster_ != nullptr) cluster_->start(io0);
    for (auto& w : workers_) w->start();
    asio::post(io0, [this] { accept_next(); });
    spdlog::info("jim listening on {}:{} with {} worker(s)", options_.host, port_, worker_count_);
}

void Server::accept_next() {
    Worker& target = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    acceptor_->async_accept(
        target.io(), [this, &target](boost::system::error_code ec, Connection::Socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
            if (ec) {
                // EMFILE/ENFILE under the open-files limit, or a transient error: back off a little
                // instead of spinning, and keep serving the connections we have.
                spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
                accept_retry_->expires_after(std::chrono::milliseconds(100));
                accept_retry_->async_wait([this](boost::system::error_code e) {
                    if (!e) accept_next();
                });
                return;
            }
            std::uint32_t ip_entry = 0;
            if (const Errc refused = admit(socket, ip_entry); refused != Errc::ok) {
                workers_[0]->count_refused(refused);  // this handler runs on worker 0
                accept_next();
                return;  // the socket closes as it goes out of scope
            }
            asio::post(target.io(), [&target, ip_entry, s = std::move(socket)]() mutable {
                target.adopt(std::move(s), ip_entry);
            });
            accept_next();
        });
}

// Connection limits, checked before a connection costs anything: global, then per address.
Errc Server::admit(const Connection::Socket& socket, std::uint32_t& ip_entry) {
    if (options_.max_connections != 0 &&
        connections_.load(std::memory_order_relaxed) >= options_.max_connections) {
        return Errc::too_many_connections;
    }
    if (ip_limiter_.enabled()) {
        boost::system::error_code ec;
        const auto remote = socket.remote_endpoint(ec);
        if (ec) return Errc::io_error;  // already reset by the peer
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
        const auto admission = ip_limiter_.admit(remote.address(), now);
        if (admission.error != Errc::ok) return admission.error;
        ip_entry = admission.entry;
    }
    connections_.fetch_add(1, std::memory_order_relaxed);
    return Errc::ok;
}

void Server::release_connection(std::uint32_t ip_entry) {
    connections_.fetch_sub(1, std::memory_order_relaxed);
    ip_limiter_.release(ip_entry);
}

void Server::stop() {
    if (!running_.exchange(false)) return;
    const auto begin = std::chrono::steady_clock::now();
    asio::post(workers_[0]->io(), [this] {
        boost::system::error_code ec;
        acceptor_->close(ec);
        accept_retry_->cancel();
    });
    // 1. Nothing new comes in. Posted behind whatever the workers have queued, so once every
    //    future is ready, every command read so far has been dispatched.
    std::vector<std::future<void>> quiet;
    for (auto& w : workers_) quiet.push_back(w->quiesce());
    for (auto& f : quiet) f.wait();
    // 2. The store completes what it was handed; the acks are posted to the workers, ahead of
    //    step 3, so a client hears about every message that was stored.
    if (store_ != nullptr) store_->drain();
    // 3. The cluster sends what the acks above queued for other nodes and says goodbye, so
    //    its peers drop this node's users now rather than after the lease.
    if (cluster_ != nullptr) cluster_->stop();
    // 4. Goodbyes, the last writes, and the workers stop.
    const auto drain = std::chrono::milliseconds(options_.shutdown_drain_ms);
    for (auto& w : workers_) w->post_shutdown(drain);
    for (auto& w : workers_) w->join();
    spdlog::info("jim stopped in {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - begin)
                                             .count());
}

ServerStats Server::stats() const {
    ServerStats s;
    for (const auto& w : workers_) {
        const auto& ws = w->stats();
        s.accepted += ws.accepted.load(std::memory_order_relaxed);
        s.open += ws.open.load(std::memory_order_relaxed);
        s.frames_in += ws.frames_in.load(std::memory_order_relaxed);
        s.frames_out += ws.frames_out.load(std::memory_order_relaxed);
        s.writes += ws.writes.load(std::memory_order_relaxed);
        s.syn_seq_dropped += ws.syn_seq_dropped.load(std::memory_order_relaxed);
        s.rate_limited += ws.rate_limited.load(std::memory_order_relaxed);
        s.read_pauses += ws.read_pauses.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < kErrcCount; ++i) {
            s.closed[i] += ws.closed[i].load(std::memory_order_relaxed);
        }
    }
    return s;
}

// Sessions on this worker get the message queued now; sessions elsewhere get it in this pass's
// batch for their worker. Called off-worker (tests, later the HTTP API), it posts directly.
void Server::route(router::SessionRef to, Envelope e) {
    Worker* here = Worker::current();
    if (here != nullptr && here->index() == to.worker) {
        if (e.kind == Envelope::Kind::deliver) {
            here->deliver(to, e.command, e.body);
        } else {
            here->close_session(to, e.reason);
        }
    } else if (here != nullptr) {
        here->enqueue_remote(std::move(e));
    } else {
        std::vector<Envelope> batch;
        batch.push_back(std::move(e));
        workers_[to.worker]->post_batch(std::move(batch));
    }
}

std::size_t Server::send_local(std::string_view user, std::uint8_t command, const SharedBytes& body,
                               router::SessionRef exclude) {
    thread_local std::vector<router::SessionRef> refs;
    refs.clear();
    registry_.lookup(user, refs);
    std::size_t n = 0;
    for (const auto& ref : refs) {
        if (ref == exclude) continue;
        ++n;
        route(ref, Envelope{ref, Envelope::Kind::deliver, command, Errc::ok, body});
    }
    return n;
}

std::size_t Server::send_to_user(std::string_view user, std::uint8_t command,
                                 const SharedBytes& body, router::SessionRef exclude) {
    std::size_t n = send_local(user, command, body, exclude);
    if (cluster_ != nullptr) n += cluster_->send_to_user(user, command, body);
    return n;
}

std::size_t Server::send_to_members(std::string_view group, const std::vector<std::string>& members,
                                    std::uint8_t command, const SharedBytes& body,
                                    router::SessionRef exclude) {
    std::size_t n = 0;
    if (cluster_ == nullptr) {
        for (const auto& m : members) n += send_local(m, command, body, exclude);
        return n;
    }
    thread_local std::vector<cluster::NodeSessions> nodes;
    nodes.clear();
    for (const auto& m : members) {
        n += send_local(m, command, body, exclude);
        cluster_->nodes_of(m, nodes);
    }
    for (const auto& x : nodes) n += x.sessions;
    if (!nodes.empty()) cluster_->send_to_group(nodes, group, command, body);
    return n;
}

void Server::membership_changed(std::string_view group, std::string_view user, bool joined) {
    if (cluster_ != nullptr) cluster_->membership_changed(group, user, joined);
}

void Server::ban_changed(std::string_view user, std::string_view reason, bool banned) {
    if (cluster_ != nullptr) cluster_->ban_changed(user, reason, banned);
}

void Server::send_to_session(router::SessionRef session, std::uint8_t command,
                             const SharedBytes& body) {
    if (session)
        route(session, Envelope{session, Envelope::Kind::deliver, command, Errc::ok, body});
}

std::vector<service::Delivery::SessionEntry> Server::sessions_of(std::string_view user) {
    std::vector<SessionEntry> out;
    for (const auto& e : registry_.sessions(user)) {
        out.push_back({e.ref, codec::protocol_name(static_cast<codec::Protocol>(e.protocol))});
    }
    return out;
}

void Server::close_session(router::SessionRef session, Errc reason) {
    if (session) route(session, Envelope{session, Envelope::Kind::close, 0, reason, {}});
}

std::size_t Server::close_local(std::string_view user, Errc reason) {
    std::vector<router::SessionRef> refs;
    registry_.lookup(user, refs);
    for (const auto& ref : refs) route(ref, Envelope{ref, Envelope::Kind::close, 0, reason, {}});
    return refs.size();
}

std::size_t Server::close_user(std::string_view user, Errc reason) {
    std::size_t n = close_local(user, reason);
    if (cluster_ != nullptr) n += cluster_->close_user(user, reason);
    return n;
}

bool Server::online(std::string_view user) {
    return registry_.online(user) || (cluster_ != nullptr && cluster_->remote_sessions(user) > 0);
}

std::size_t Server::online_count() {
    return registry_.online_users();
}

std::vector<std::string> Server::online_users(std::size_t limit) {
    auto users = registry_.users();
    if (users.size() > limit) users.resize(limit);
    return users;
}

std::vector<api::SessionInfo> Server::sessions(std::string_view user) {
    std::vector<api::SessionInfo> out;
    for (const auto& e : registry_.sessions(user)) {
        out.push_back(
            {codec::protocol_name(static_cast<codec::Protocol>(e.protocol)), e.ref.worker});
    }
    return out;
}

std::size_t Server::kick(std::string_view user) {
    return close_user(user, Errc::kicked);
}

void Server::recall(service::RecallTarget target,
                    std::function<void(service::RecallOutcome)> done) {
    Worker* here = Worker::current();
    if (here == nullptr) here = workers_[0].get();  // not reached: the API runs on workers
    service_.recall(std::move(target), here->context(), {}, std::move(done));
}

void Server::send_chat(std::string_view from, std::string_view body,
                       std::function<void(service::ChatOutcome)> done) {
    Worker* here = Worker::current();
    if (here == nullptr) here = workers_[0].get();  // not reached: the API runs on workers
    service_.send_chat(from, body, here->context(), {}, std::move(done));
}

service::WorkerContext& Server::context() {
    return calling_context();
}

std::string Server::stats_json() {
    const ServerStats s = stats();
    std::string out = "{\"closed\":{";
    bool first = true;
    for (std::size_t i = 0; i < kErrcCount; ++i) {
        if (s.closed[i] == 0) continue;
        if (!first) out += ',';
        first = false;
        out += '"';
        out += error_info(static_cast<Errc>(i)).name;
        out += "\":" + std::to_string(s.closed[i]);
    }
    out += "},\"connections\":{\"accepted\":" + std::to_string(s.accepted) +
           ",\"open\":" + std::to_string(s.open) + "}";
    out += ",\"frames\":{\"in\":" + std::to_string(s.frames_in) +
           ",\"out\":" + std::to_string(s.frames_out) + "}";
    out += ",\"online\":{\"users\":" + std::to_string(registry_.online_users()) + "}";
    if (store::MessageStore* st = service_.store()) {
        const auto ss = st->stats();
        out += ",\"store\":{\"appends\":" + std::to_string(ss.appends) +
               ",\"commits\":" + std::to_string(ss.commits) +
               ",\"duplicates\":" + std::to_string(ss.duplicates) +
               ",\"history_expired\":" + std::to_string(ss.history_expired) +
               ",\"inbox_dropped\":" + std::to_string(ss.inbox_dropped) + "}";
    }
    out +=
        ",\"workers\":" + std::to_string(worker_count_) + ",\"writes\":" + std::to_string(s.writes);
    if (options_.extra_stats) {
        const std::string extra = options_.extra_stats();
        if (!extra.empty()) out += "," + extra;
    }
    return out + "}";
}

}  // namespace jim::net
