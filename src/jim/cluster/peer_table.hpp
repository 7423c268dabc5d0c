#pragma once
// PeerTable: what this node knows of the other nodes, and the rules that keep the Directory an
// exact copy of their presence hashes in Redis.
//
// Each node is the only writer of its own presence hash and numbers its changes (version, per
// incarnation). Its announcements arrive in order on the broadcast channel, but this node may
// miss some (its subscriber link was down) or see them race a snapshot read on the command link.
// So:
// - a presence announcement is applied only if it is exactly the next version; an older one is
//   ignored (the snapshot had it), a newer one means a gap: the node is re-read (snapshot) and
//   the announcements that arrive meanwhile are held and applied after the snapshot, in order;
// - a new node, a new incarnation (the process restarted), a reset (its Redis state was
//   rewritten) or a heartbeat ahead of what was applied also ask for a snapshot;
// - a node not heard from within the lease, or that said goodbye, is dropped with its users:
//   they are offline here from then on (no stale "online").
//
// Owner: cluster::Cluster. Thread: the cluster's loop only (pure logic, time is passed in).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/cluster/directory.hpp"
#include "jim/cluster/wire.hpp"

namespace jim::cluster {

class PeerTable {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    PeerTable(Directory& directory, std::string self, std::chrono::milliseconds lease)
        : directory_(directory), self_(std::move(self)), lease_(lease) {}

    // Applies one announcement from the broadcast channel ('P', 'H', 'R', 'B'; the cluster
    // handles 'M' itself). Returns true when the announcing node must be re-read: the caller
    // reads its snapshot and hands it to snapshot() (or to gone() if it has no keys).
    bool announce(const wire::Announcement& a, TimePoint now);
    // A snapshot of `node`'s presence hash read from Redis. Applies it and then the held
    // announcements newer than it. Returns true if those show a gap again (read once more).
    bool snapshot(const std::string& node, std::uint64_t incarnation, std::uint64_t version,
                  const std::vector<wire::PresenceEntry>& entries, TimePoint now);
    // The node has no state in Redis (its lease ran out): dropped with its users.
    void gone(const std::string& node);
    // Nodes whose lease ran out: dropped with their users. Returns their ids (for the log).
    std::vector<std::string> expire(TimePoint now);
    // Nodes whose snapshot was asked for more than half a lease ago and never arrived (the
    // link failed meanwhile): ask again.
    std::vector<std::string> stale_snapshots(TimePoint now);
    // Every live node: after the subscriber link was down, all of them are re-read.
    std::vector<std::string> nodes() const;

    std::optional<NodeIndex> index_of(std::string_view node) const;
    // The ids of node indices, for routing (never shrinks).
    const std::string& id_of(NodeIndex index) const { return ids_[index]; }
    std::size_t live() const;

  private:
    struct Peer {
        NodeIndex index = 0;
        bool live = false;
        std::uint64_t incarnation = 0;
        std::uint64_t version = 0;
        TimePoint expires{};
        bool syncing = false;
        TimePoint sync_asked{};
        std::vector<wire::Announcement> held;  // presence announcements while syncing
    };
    Peer& peer(const std::string& node);
    bool resync(Peer& p, TimePoint now);
    void apply(Peer& p, const wire::Announcement& a);
    void drop(Peer& p);

    Directory& directory_;
    const std::string self_;
    const std::chrono::milliseconds lease_;
    std::vector<std::string> ids_;  // by NodeIndex
    std::vector<Peer> peers_;       // by NodeIndex
};

}  // namespace jim::cluster
