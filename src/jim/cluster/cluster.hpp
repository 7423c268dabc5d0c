#pragma once
// Cluster: this node's place in a cluster of jim nodes that share one Redis (spec §8, fixed:
// J-IM published every message to every node over one channel).
//
// - Presence directory. Each node keeps a hash in Redis of its users and their session counts
//   (`<prefix>:cluster:{n:<id>}:users`), under a lease (`cluster.lease_ms`) that it renews and
//   that expires when it dies; it announces every change on the broadcast channel, numbered, so
//   every other node keeps an exact copy in memory (Directory, PeerTable). The message path
//   therefore never waits for Redis.
// - Routing. A message for a user goes only to the nodes that hold the user, on their own
//   channels (`<prefix>:cluster:node:<id>`); a group message once to each node that holds a
//   member, which fans out locally. Everything bound for one node during one pass of the
//   cluster's loop is one PUBLISH (pipelined with the rest).
// - Memberships and bans made on one node are announced; the others apply them in memory (the
//   store has them already).
// - Failures. While Redis is away the node keeps serving its own users, counts what it could
//   not send and reports the link (up()); when the link comes back it rewrites its hash and
//   re-reads every peer's. A peer not heard from within the lease is dropped with its users.
//
// Delivery between nodes is at most once (Redis pub/sub): a message is stored before it is
// routed, so a receiver that missed a push finds it by syncing its conversations by seq.
//
// Owner: app main (the net::Server holds a pointer, starts and stops it). Thread: the public
// methods from any thread; everything that touches Redis runs on the io_context given to
// start() (worker 0's loop: hiredis on the worker event loop, no thread of its own), called
// "the cluster's loop" below.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jim/base/error.hpp"
#include "jim/base/shared_bytes.hpp"
#include "jim/cluster/directory.hpp"
#include "jim/cluster/peer_table.hpp"
#include "jim/cluster/wire.hpp"
#include "jim/redis/endpoint.hpp"
#include "jim/redis/link.hpp"

namespace jim::cluster {

struct ClusterOptions {
    redis::Endpoint redis;
    std::string prefix = "jim";  // first part of every key and channel (store.redis_prefix)
    std::string node_id;         // unique in the cluster
    std::chrono::milliseconds lease{10'000};
};

// One delivery from another node.
struct Inbound {
    wire::DeliveryKind kind = wire::DeliveryKind::user;
    std::string target;  // user or group
    std::uint8_t code = 0;
    SharedBytes body;
};

// What the cluster needs of the node it runs in (net::Server implements it).
// Thread: called on the cluster's loop.
class LocalNode {
  public:
    virtual ~LocalNode() = default;
    // One payload's deliveries from another node, to hand to a worker.
    virtual void deliver(std::vector<Inbound> batch) = 0;
    // A group membership changed on another node.
    virtual void membership_changed_elsewhere(std::string_view group, std::string_view user,
                                              bool joined) = 0;
    // A user was banned (or the ban lifted) on another node.
    virtual void ban_changed_elsewhere(std::string_view user, std::string_view reason,
                                       bool banned) = 0;
    // The subscriber link is (again) up: announcements may have been missed meanwhile; the
    // node re-reads what it keeps of them (the stored bans).
    virtual void announcements_missed() = 0;
    // How many sessions `user` has on this node now.
    virtual std::uint32_t local_sessions(std::string_view user) = 0;
    // Every user with sessions on this node, and how many.
    virtual std::vector<std::pair<std::string, std::uint32_t>> local_presence() = 0;
};

// Thread: any (relaxed atomics).
struct ClusterStats {
    std::atomic<std::uint64_t> deliveries_out{0};    // records queued for other nodes
    std::atomic<std::uint64_t> deliveries_in{0};     // records received from other nodes
    std::atomic<std::uint64_t> payloads_out{0};      // PUBLISHes to node channels
    std::atomic<std::uint64_t> payloads_dropped{0};  // not sent: the link was down
    std::atomic<std::uint64_t> bad_payloads{0};      // received and refused (malformed)
    std::atomic<std::uint64_t> snapshots{0};         // peers re-read from Redis
    std::atomic<std::uint64_t> nodes_expired{0};     // peers dropped because their lease ran out
    std::atomic<std::uint64_t> live_nodes{0};        // peers known alive (gauge)
};

class Cluster {
  public:
    Cluster(ClusterOptions options, LocalNode& local);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // Starts its two Redis links (commands, subscriptions) on `io`, which must outlive stop()
    // and run (on one thread) until stop() has returned.
    void start(boost::asio::io_context& io);
    // From any thread but the loop's: sends what is queued, says goodbye (peers drop this
    // node's users at once instead of after the lease), removes this node's keys and closes the
    // links; bounded by about two seconds. Idempotent.
    void stop();

    // The user's session count on this node changed (login, logout): announced in the next
    // pass of the cluster's loop, with the count as it is then.
    void presence_changed(std::string_view user);

    // Queues `body` for the user's sessions on other nodes; returns how many sessions those
    // nodes announced for it (0: none elsewhere).
    std::size_t send_to_user(std::string_view user, std::uint8_t command, const SharedBytes& body);
    // Closes the user's sessions on other nodes; returns how many there were.
    std::size_t close_user(std::string_view user, Errc reason);
    // Appends the other nodes that hold `user` (for a group: collect over the members, then
    // send_to_group once).
    void nodes_of(std::string_view user, std::vector<NodeSessions>& out) const {
        directory_.nodes_of(user, out);
    }
    // Queues one group delivery for each distinct node in `nodes`; each fans out to the
    // members it holds.
    void send_to_group(std::vector<NodeSessions>& nodes, std::string_view group,
                       std::uint8_t command, const SharedBytes& body);
    // Tells the other nodes that a membership changed here.
    void membership_changed(std::string_view group, std::string_view user, bool joined);
    // Tells the other nodes that a ban was set or lifted here.
    void ban_changed(std::string_view user, std::string_view reason, bool banned);

    // Sessions of `user` on other nodes.
    std::uint32_t remote_sessions(std::string_view user) const { return directory_.sessions(user); }
    // Users online on other nodes (a gauge).
    std::size_t remote_users() const { return directory_.users(); }
    // Both links are up (health).
    bool up() const { return cmd_ && sub_ && cmd_->up() && sub_->up(); }
    const std::string& node_id() const noexcept { return options_.node_id; }
    const ClusterStats& stats() const noexcept { return stats_; }

  private:
    void queue(NodeIndex node, wire::DeliveryKind kind, std::string_view target, std::uint8_t code,
               std::string_view body);
    void post_flush_locked();
    // The cluster's loop:
    void flush();
    void publish_presence(const std::vector<std::string>& users);
    void publish_memberships(std::vector<wire::MembershipEntry> entries);
    void publish_bans(std::vector<wire::BanEntry> entries);
    void rewrite_presence();  // after (re)connecting: the whole hash from the registry
    void heartbeat();
    void tick();
    void read_snapshot(const std::string& node);
    void resync_all();
    void on_message(std::string_view channel, std::string_view payload);
    void on_announcement(std::string_view payload);
    void on_deliveries(std::string_view payload);
    std::string users_key(std::string_view node) const;
    std::string version_key(std::string_view node) const;
    std::string version_value() const;
    // An announcement from this node with its current version; publish() sends one.
    wire::Announcement announcement(wire::AnnouncementKind kind) const;
    void publish(const wire::Announcement& a);
    void say_goodbye();

    const ClusterOptions options_;
    LocalNode& local_;
    const std::uint64_t incarnation_;
    std::uint64_t version_ = 0;  // the loop's
    ClusterStats stats_;
    Directory directory_;
    PeerTable peers_;  // the loop's

    boost::asio::io_context* io_ = nullptr;  // set by start()
    std::unique_ptr<redis::Link> cmd_;
    std::unique_ptr<redis::Link> sub_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    std::atomic<bool> stopped_{false};

    const std::string all_channel_;
    const std::string my_channel_;

    // Filled by any thread, emptied by flush() (the loop).
    std::mutex out_mu_;
    std::vector<std::string> out_;  // by NodeIndex
    std::set<std::string, std::less<>> dirty_users_;
    std::vector<wire::MembershipEntry> memberships_;
    std::vector<wire::BanEntry> bans_;
    bool flush_posted_ = false;
};

// A node id for this process when cluster.node_id is not set: host name, pid and a random part.
std::string generate_node_id();

}  // namespace jim::cluster
