#pragma once
// Directory: which users have sessions on which other nodes of the cluster, and how many. It is
// this node's copy of every peer's presence hash in Redis, kept current by their announcements
// (see PeerTable), so the message path asks memory, never Redis.
//
// Sharded like router::Registry (one mutex per shard, held only for the map operation).
// Owner: cluster::Cluster. Thread: writes from the cluster's loop; reads from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jim/router/string_hash.hpp"

namespace jim::cluster {

// A peer's position in this process's node table (never reused while the process runs).
using NodeIndex = std::uint16_t;

struct NodeSessions {
    NodeIndex node = 0;
    std::uint32_t sessions = 0;
};

class Directory {
  public:
    // The user's session count on `node`; 0 removes the entry.
    void set(NodeIndex node, std::string_view user, std::uint32_t sessions);
    // Removes every entry of `node` (it died, said goodbye, or is being re-read).
    void clear_node(NodeIndex node);

    // Sessions of `user` on other nodes, summed.
    std::uint32_t sessions(std::string_view user) const;
    // Appends the nodes that hold `user` to `out` (each once per call).
    void nodes_of(std::string_view user, std::vector<NodeSessions>& out) const;
    // Users known to be online elsewhere.
    std::size_t users() const;

  private:
    static constexpr std::size_t kShards = 64;
    using Entries = std::vector<NodeSessions>;  // a user is rarely on more than two nodes
    struct Shard {
        mutable std::mutex mu;
        std::unordered_map<std::string, Entries, router::StringHash, std::equal_to<>> users;
    };
    Shard& shard(std::string_view user) const noexcept {
        return shards_[router::StringHash{}(user) % kShards];
    }
    mutable std::array<Shard, kShards> shards_;
};

}  // namespace jim::cluster
