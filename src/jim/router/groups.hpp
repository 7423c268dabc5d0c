#pragma once
// Group memberships: group id -> member user ids, and user id -> group ids. Membership belongs
// to the user, not to a connection: it survives disconnects (J-IM bound groups to connections).
// Profiles (nick, avatar, sign) of users seen at login live here too, for notifications and
// get-user replies.
//
// Sharded like the Registry (one mutex per shard, held only for the map operation, never two
// at once). Thread: any.

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jim/router/string_hash.hpp"

namespace jim::router {

struct Profile {
    std::string nick;
    std::string avatar;
    std::string sign;
    bool operator==(const Profile&) const = default;
};

class Groups {
  public:
    // Adds `user` to `group`; returns false if it was a member already.
    bool join(std::string_view group, std::string_view user);
    // Removes `user` from `group`; returns false if it was not a member.
    bool leave(std::string_view group, std::string_view user);
    bool is_member(std::string_view group, std::string_view user) const;
    std::vector<std::string> members(std::string_view group) const;
    std::size_t member_count(std::string_view group) const;
    std::vector<std::string> groups_of(std::string_view user) const;

    // Names and owners are kept here only by a server without a store (with one they are read
    // from the store on every use; service/group_admin.cpp).
    // The display name of a group (defaults to its id).
    void set_name(std::string_view group, std::string_view name);
    std::string name(std::string_view group) const;
    // The group's owner (admin API); empty when none was set.
    void set_owner(std::string_view group, std::string_view owner);
    std::string owner(std::string_view group) const;
    // Whether the group has members, a name or an owner.
    bool exists(std::string_view group) const;
    // Drops the group's name and owner (members are removed one by one with leave()).
    void forget(std::string_view group);

    // Whether the user's memberships were read back from the store since start (see
    // service::CommandService::load_memberships).
    bool loaded(std::string_view user) const;
    void mark_loaded(std::string_view user);

    void set_profile(std::string_view user, Profile profile);
    // Caches a profile read back from the store unless one is cached already (a newer one set
    // meanwhile must win over the older read).
    void fill_profile(std::string_view user, Profile profile);
    std::optional<Profile> profile(std::string_view user) const;

  private:
    static constexpr std::size_t kShards = 64;
    using Hash = StringHash;
    template <class V>
    using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
    struct GroupShard {
        mutable std::mutex mu;
        Map<std::set<std::string, std::less<>>> members;
        Map<std::string> names;
        Map<std::string> owners;
    };
    struct UserShard {
        mutable std::mutex mu;
        Map<std::set<std::string, std::less<>>> groups;
        Map<Profile> profiles;
        std::set<std::string, std::less<>> loaded;
    };
    GroupShard& group_shard(std::string_view g) const noexcept {
        return group_shards_[Hash{}(g) % kShards];
    }
    UserShard& user_shard(std::string_view u) const noexcept {
        return user_shards_[Hash{}(u) % kShards];
    }
    mutable std::array<GroupShard, kShards> group_shards_;
    mutable std::array<UserShard, kShards> user_shards_;
};

}  // namespace jim::router
