#pragma once
// The presence table: user id -> every live session of that user, on any worker and protocol.
// "Online" means at least one live session (not J-IM's per-protocol flag, spec §11.3 #15).
//
// Sharded by hash of the user id, one mutex per shard (CONVENTIONS: centrifuge hub). A lock is
// held only for the map operation, never while sending. Lock order: a thread holds at most one
// shard lock at a time (no nesting), so there is no lock-order cycle.
// Thread: any.

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jim/router/string_hash.hpp"

#include "jim/router/session_ref.hpp"

namespace jim::router {

class Registry {
  public:
    // One live session of a user and the protocol it speaks (an opaque small number for the
    // router; the network layer gives it meaning).
    struct Entry {
        SessionRef ref;
        std::uint8_t protocol = 0;
    };

    // Adds `ref` to `user`; returns the user's session count afterwards.
    std::size_t add(std::string_view user, SessionRef ref, std::uint8_t protocol = 0);
    // Removes `ref` from `user`; returns the user's remaining session count.
    std::size_t remove(std::string_view user, SessionRef ref);
    // Appends the user's sessions to `out`; returns how many were appended.
    std::size_t lookup(std::string_view user, std::vector<SessionRef>& out) const;
    // The user's sessions with their protocols.
    std::vector<Entry> sessions(std::string_view user) const;
    bool online(std::string_view user) const;
    std::size_t online_users() const;
    std::vector<std::string> users() const;
    // Every user with its session count.
    std::vector<std::pair<std::string, std::uint32_t>> user_counts() const;

  private:
    static constexpr std::size_t kShards = 64;
    using Hash = StringHash;
    struct Shard {
        mutable std::mutex mu;
        std::unordered_map<std::string, std::vector<Entry>, Hash, std::equal_to<>> users;
    };
    Shard& shard(std::string_view user) const noexcept { return shards_[Hash{}(user) % kShards]; }
    mutable std::array<Shard, kShards> shards_;
};

}  // namespace jim::router
