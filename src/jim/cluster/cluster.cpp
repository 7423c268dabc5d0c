#include "jim/cluster/cluster.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <random>

#include "jim/redis/reply.hpp"

namespace jim::cluster {

namespace asio = boost::asio;
using redis::Reply;
using wire::AnnouncementKind;

namespace {

std::uint64_t random_u64() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// The wall clock in ms, for the node set's expiry scores (compared across nodes, so not the
// steady clock; skew between nodes only shifts when a dead node's row is cleaned up).
std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "incarnation:version", the value of a node's version key.
bool parse_version(std::string_view v, std::uint64_t& incarnation, std::uint64_t& version) {
    const auto colon = v.find(':');
    if (colon == std::string_view::npos) return false;
    try {
        incarnation = std::stoull(std::string(v.substr(0, colon)));
        version = std::stoull(std::string(v.substr(colon + 1)));
    } catch (...) {
        return false;
    }
    return true;
}

constexpr std::size_t kFieldsPerHset = 512;  // a rewrite of many users goes out in slices

}  // namespace

std::string generate_node_id() {
    char host[64] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::string id = host[0] != '\0' ? host : "node";
    id += '-' + std::to_string(::getpid()) + '-';
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t r = random_u64();
    for (int i = 0; i < 6; ++i, r >>= 4) id += kHex[r & 15];
    return id;
}

Cluster::Cluster(ClusterOptions options, LocalNode& local)
    : options_(std::move(options)),
      local_(local),
      incarnation_(random_u64() >> 1),  // fits a signed 64-bit parse anywhere
      peers_(directory_, options_.node_id, options_.lease),
      all_channel_(options_.prefix + ":cluster:all"),
      my_channel_(options_.prefix + ":cluster:node:" + options_.node_id) {}

Cluster::~Cluster() {
    stop();
}

void Cluster::start(asio::io_context& io) {
    io_ = &io;
    redis::LinkOptions lo;
    lo.endpoint = options_.redis;
    lo.name = "cluster";
    cmd_ = std::make_unique<redis::Link>(io, lo);
    lo.name = "cluster-sub";
    lo.ping_interval = std::chrono::milliseconds(0);  // subscriptions carry nothing else
    sub_ = std::make_unique<redis::Link>(io, lo);
    timer_ = std::make_unique<asio::steady_timer>(io);
    cmd_->on_up([this] {
        spdlog::info("cluster: node {} connected to {}", options_.node_id,
                     options_.redis.to_string());
        rewrite_presence();
        resync_all();
    });
    cmd_->on_down([] {
        spdlog::warn("cluster: lost the Redis link; serving local users only until it is back");
    });
    sub_->set_message_handler([this](std::string_view channel, std::string_view payload) {
        on_message(channel, payload);
    });
    sub_->on_up([this] {  // announcements may have been missed meanwhile
        resync_all();
        local_.announcements_missed();
    });
    sub_->subscribe(all_channel_);
    sub_->subscribe(my_channel_);
    cmd_->start();
    sub_->start();
    asio::post(io, [this] { tick(); });
}

void Cluster::stop() {
    if (io_ == nullptr || stopped_.exchange(true)) return;
    // The goodbye's last reply (or the link's failure) ends the first wait.
    auto said = std::make_shared<std::promise<void>>();
    asio::post(*io_, [this, said] {
        flush();
        say_goodbye();
        if (cmd_->up()) {
            cmd_->command({"PING"}, [said](Reply) { said->set_value(); });
        } else {
            said->set_value();
        }
    });
    said->get_future().wait_for(std::chrono::seconds(1));
    // Links are destroyed on their loop (their pending callbacks run with a `none` reply).
    auto closed = std::make_shared<std::promise<void>>();
    asio::post(*io_, [this, closed] {
        timer_->cancel();
        sub_.reset();
        cmd_.reset();
        closed->set_value();
    });
    closed->get_future().wait_for(std::chrono::seconds(1));
}

// ---------------------------------------------------------------------------------------------
// Any thread: queue, and let one posted flush send everything of this burst.

void Cluster::post_flush_locked() {
    if (flush_posted_ || io_ == nullptr) return;  // not started: kept until the first flush
    flush_posted_ = true;
    asio::post(*io_, [this] { flush(); });
}

void Cluster::queue(NodeIndex node, wire::DeliveryKind kind, std::string_view target,
                    std::uint8_t code, std::string_view body) {
    std::lock_guard lock(out_mu_);
    if (out_.size() <= node) out_.resize(node + 1u);
    wire::append_delivery(out_[node], kind, target, code, body);
    post_flush_locked();
}

void Cluster::presence_changed(std::string_view user) {
    std::lock_guard lock(out_mu_);
    if (dirty_users_.find(user) == dirty_users_.end()) dirty_users_.emplace(user);
    post_flush_locked();
}

std::size_t Cluster::send_to_user(std::string_view user, std::uint8_t command,
                                  const SharedBytes& body) {
    thread_local std::vector<NodeSessions> nodes;
    nodes.clear();
    directory_.nodes_of(user, nodes);
    std::size_t n = 0;
    for (const auto& x : nodes) {
        queue(x.node, wire::DeliveryKind::user, user, command, body.view());
        n += x.sessions;
        stats_.deliveries_out.fetch_add(1, std::memory_order_relaxed);
    }
    return n;
}

std::size_t Cluster::close_user(std::string_view user, Errc reason) {
    std::vector<NodeSessions> nodes;
    directory_.nodes_of(user, nodes);
    std::size_t n = 0;
    for (const auto& x : nodes) {
        queue(x.node, wire::DeliveryKind::close, user, static_cast<std::uint8_t>(reason), {});
        n += x.sessions;
    }
    return n;
}

void Cluster::send_to_group(std::vector<NodeSessions>& nodes, std::string_view group,
                            std::uint8_t command, const SharedBytes& body) {
    std::sort(nodes.begin(), nodes.end(),
              [](const auto& a, const auto& b) { return a.node < b.node; });
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (i != 0 && nodes[i].node == nodes[i - 1].node) continue;
        queue(nodes[i].node, wire::DeliveryKind::group, group, command, body.view());
        stats_.deliveries_out.fetch_add(1, std::memory_order_relaxed);
    }
}

void Cluster::membership_changed(std::string_view group, std::string_view user, bool joined) {
    std::lock_guard lock(out_mu_);
    memberships_.push_back({std::string(group), std::string(user), joined});
    post_flush_locked();
}

void Cluster::ban_changed(std::string_view user, std::string_view reason, bool banned) {
    std::lock_guard lock(out_mu_);
    bans_.push_back({std::string(user), std::string(reason), banned});
    post_flush_locked();
}

// ---------------------------------------------------------------------------------------------
// The cluster's loop.

std::string Cluster::users_key(std::string_view node) const {
    return options_.prefix + ":cluster:{n:" + std::string(node) + "}:users";
}
std::string Cluster::version_key(std::string_view node) const {
    return options_.prefix + ":cluster:{n:" + std::string(node) + "}:ver";
}
wire::Announcement Cluster::announcement(wire::AnnouncementKind kind) const {
    wire::Announcement a;
    a.kind = kind;
    a.node = options_.node_id;
    a.incarnation = incarnation_;
    a.version = version_;
    return a;
}

void Cluster::publish(const wire::Announcement& a) {
    cmd_->command({"PUBLISH", all_channel_, wire::encode(a)}, [](Reply) {});
}

std::string Cluster::version_value() const {
    return std::to_string(incarnation_) + ':' + std::to_string(version_);
}

// Announcements first (a membership change must reach a peer before the group message that
// follows it), then one PUBLISH per peer with everything queued for it.
void Cluster::flush() {
    if (!cmd_) return;  // stopped
    std::vector<std::string> out;
    std::vector<std::string> users;
    std::vector<wire::MembershipEntry> memberships;
    std::vector<wire::BanEntry> bans;
    {
        std::lock_guard lock(out_mu_);
        flush_posted_ = false;
        out.resize(out_.size());
        for (std::size_t i = 0; i < out_.size(); ++i) out[i].swap(out_[i]);
        users.assign(dirty_users_.begin(), dirty_users_.end());
        dirty_users_.clear();
        memberships.swap(memberships_);
        bans.swap(bans_);
    }
    if (!users.empty()) publish_presence(users);
    if (!memberships.empty()) publish_memberships(std::move(memberships));
    if (!bans.empty()) publish_bans(std::move(bans));
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].empty()) continue;
        if (!cmd_->up()) {
            stats_.payloads_dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        const std::string channel =
            options_.prefix + ":cluster:node:" + peers_.id_of(static_cast<NodeIndex>(i));
        cmd_->command({"PUBLISH", channel, out[i]}, [](Reply) {});
        stats_.payloads_out.fetch_add(1, std::memory_order_relaxed);
    }
}

// One MULTI: the changed counts (read now, so the latest wins), the next version, the lease,
// and the announcement. Nothing is kept when the link is down: rewrite_presence() writes the
// whole hash again when it is back.
void Cluster::publish_presence(const std::vector<std::string>& users) {
    if (!cmd_->up()) return;
    ++version_;
    wire::Announcement a = announcement(AnnouncementKind::presence);
    std::vector<std::string> set{"HSET", users_key(options_.node_id)};
    std::vector<std::string> del{"HDEL", users_key(options_.node_id)};
    for (const auto& u : users) {
        const std::uint32_t n = local_.local_sessions(u);
        a.presence.push_back({u, n});
        if (n == 0) {
            del.push_back(u);
        } else {
            set.push_back(u);
            set.push_back(std::to_string(n));
        }
    }
    const auto run = [this](const std::vector<std::string>& args) {
        std::vector<std::string_view> v(args.begin(), args.end());
        cmd_->command(v, [](Reply) {});
    };
    const std::string lease = std::to_string(options_.lease.count());
    cmd_->command({"MULTI"}, [](Reply) {});
    if (set.size() > 2) run(set);
    if (del.size() > 2) run(del);
    cmd_->command({"SET", version_key(options_.node_id), version_value(), "PX", lease},
                  [](Reply) {});
    cmd_->command({"PEXPIRE", users_key(options_.node_id), lease}, [](Reply) {});
    publish(a);
    cmd_->command({"EXEC"}, [](Reply r) {
        if (!r.ok()) spdlog::warn("cluster: presence update failed: {}", r.str());
    });
}

void Cluster::publish_memberships(std::vector<wire::MembershipEntry> entries) {
    if (!cmd_->up()) return;
    wire::Announcement a = announcement(AnnouncementKind::membership);
    a.membership = std::move(entries);
    publish(a);
}

void Cluster::publish_bans(std::vector<wire::BanEntry> entries) {
    if (!cmd_->up()) return;
    wire::Announcement a = announcement(AnnouncementKind::bans);
    a.bans = std::move(entries);
    publish(a);
}

// After every (re)connect: Redis may have lost or expired this node's hash, so it is written
// again from the registry, under a new version, and the peers re-read it ('R').
void Cluster::rewrite_presence() {
    const auto users = local_.local_presence();
    const std::string key = users_key(options_.node_id);
    const std::string lease = std::to_string(options_.lease.count());
    ++version_;
    cmd_->command({"MULTI"}, [](Reply) {});
    cmd_->command({"DEL", key}, [](Reply) {});
    for (std::size_t i = 0; i < users.size(); i += kFieldsPerHset) {
        std::vector<std::string> args{"HSET", key};
        for (std::size_t j = i; j < std::min(users.size(), i + kFieldsPerHset); ++j) {
            args.push_back(users[j].first);
            args.push_back(std::to_string(users[j].second));
        }
        std::vector<std::string_view> v(args.begin(), args.end());
        cmd_->command(v, [](Reply) {});
    }
    cmd_->command({"SET", version_key(options_.node_id), version_value(), "PX", lease},
                  [](Reply) {});
    cmd_->command({"PEXPIRE", key, lease}, [](Reply) {});
    publish(announcement(AnnouncementKind::reset));
    cmd_->command({"EXEC"}, [](Reply r) {
        if (!r.ok()) spdlog::warn("cluster: presence rewrite failed: {}", r.str());
    });
    heartbeat();
}

// The lease: this node's keys and its row in the node set live one lease from now.
void Cluster::heartbeat() {
    if (!cmd_->up()) return;
    const std::string lease = std::to_string(options_.lease.count());
    const std::string nodes = options_.prefix + ":cluster:nodes";
    const std::int64_t now = wall_ms();
    cmd_->command({"ZADD", nodes, std::to_string(now + options_.lease.count()), options_.node_id},
                  [](Reply) {});
    cmd_->command({"ZREMRANGEBYSCORE", nodes, "-inf", std::to_string(now)}, [](Reply) {});
    cmd_->command({"SET", version_key(options_.node_id), version_value(), "PX", lease},
                  [](Reply) {});
    cmd_->command({"PEXPIRE", users_key(options_.node_id), lease}, [](Reply) {});
    publish(announcement(AnnouncementKind::heartbeat));
}

// Every third of a lease: renew ours, drop the peers whose lease ran out, and re-ask the
// snapshots that never came.
void Cluster::tick() {
    if (stopped_.load(std::memory_order_relaxed)) return;
    heartbeat();
    const auto now = std::chrono::steady_clock::now();
    for (const auto& node : peers_.expire(now)) {
        spdlog::warn("cluster: node {} missed its lease; its users are offline here", node);
        stats_.nodes_expired.fetch_add(1, std::memory_order_relaxed);
    }
    for (const auto& node : peers_.stale_snapshots(now)) read_snapshot(node);
    stats_.live_nodes.store(peers_.live(), std::memory_order_relaxed);
    timer_->expires_after(options_.lease / 3);
    timer_->async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

void Cluster::read_snapshot(const std::string& node) {
    if (!cmd_->up()) return;  // resync_all() runs again when the link is back
    stats_.snapshots.fetch_add(1, std::memory_order_relaxed);
    cmd_->command({"MULTI"}, [](Reply) {});
    cmd_->command({"GET", version_key(node)}, [](Reply) {});
    cmd_->command({"HGETALL", users_key(node)}, [](Reply) {});
    cmd_->command({"EXEC"}, [this, node](Reply r) {
        if (r.type() != Reply::Type::array || r.size() != 2) return;  // asked again later
        std::uint64_t incarnation = 0;
        std::uint64_t version = 0;
        if (r.at(0).is_nil() || !parse_version(r.at(0).str(), incarnation, version)) {
            peers_.gone(node);  // its lease ran out in Redis
            stats_.live_nodes.store(peers_.live(), std::memory_order_relaxed);
            return;
        }
        const Reply fields = r.at(1);
        std::vector<wire::PresenceEntry> entries;
        entries.reserve(fields.size() / 2);
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            const auto n = fields.at(i + 1).integer();
            if (!n || *n <= 0) continue;
            entries.push_back({std::string(fields.at(i).str()), static_cast<std::uint32_t>(*n)});
        }
        if (peers_.snapshot(node, incarnation, version, entries,
                            std::chrono::steady_clock::now())) {
            read_snapshot(node);
        }
        stats_.live_nodes.store(peers_.live(), std::memory_order_relaxed);
    });
}

// Every node in the node set (and every node known here) is re-read.
void Cluster::resync_all() {
    if (!cmd_->up()) return;
    cmd_->command(
        {"ZRANGEBYSCORE", options_.prefix + ":cluster:nodes", std::to_string(wall_ms()), "+inf"},
        [this](Reply r) {
            std::set<std::string> nodes;
            for (std::size_t i = 0; i < r.size(); ++i) nodes.emplace(r.at(i).str());
            for (auto& n : peers_.nodes()) nodes.insert(std::move(n));
            nodes.erase(options_.node_id);
            for (const auto& n : nodes) read_snapshot(n);
        });
}

void Cluster::on_message(std::string_view channel, std::string_view payload) {
    if (channel == my_channel_) {
        on_deliveries(payload);
    } else if (channel == all_channel_) {
        on_announcement(payload);
    }
}

void Cluster::on_deliveries(std::string_view payload) {
    const auto records = wire::decode_deliveries(payload);
    if (!records) {
        stats_.bad_payloads.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::vector<Inbound> batch;
    batch.reserve(records->size());
    for (const auto& d : *records) {
        batch.push_back({d.kind, std::string(d.target), d.code, SharedBytes::copy_of(d.body)});
    }
    stats_.deliveries_in.fetch_add(batch.size(), std::memory_order_relaxed);
    local_.deliver(std::move(batch));
}

void Cluster::on_announcement(std::string_view payload) {
    auto a = wire::decode_announcement(payload);
    if (!a) {
        stats_.bad_payloads.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (a->node == options_.node_id) return;
    if (a->kind == AnnouncementKind::membership) {
        for (const auto& m : a->membership)
            local_.membership_changed_elsewhere(m.group, m.user, m.joined);
        return;
    }
    if (a->kind == AnnouncementKind::bans) {
        for (const auto& b : a->bans) local_.ban_changed_elsewhere(b.user, b.reason, b.banned);
        return;
    }
    if (peers_.announce(*a, std::chrono::steady_clock::now())) read_snapshot(a->node);
    stats_.live_nodes.store(peers_.live(), std::memory_order_relaxed);
}

void Cluster::say_goodbye() {
    if (!cmd_ || !cmd_->up()) return;
    const wire::Announcement a = announcement(AnnouncementKind::bye);
    cmd_->command({"DEL", users_key(options_.node_id), version_key(options_.node_id)},
                  [](Reply) {});
    cmd_->command({"ZREM", options_.prefix + ":cluster:nodes", options_.node_id}, [](Reply) {});
    publish(a);
}

}  // namespace jim::cluster
