#include "jim/router/groups.hpp"

namespace jim::router {

// Lock order: the group shard is released before the user shard is taken, so no thread ever
// holds two shard locks.
bool Groups::join(std::string_view group, std::string_view user) {
    {
        GroupShard& g = group_shard(group);
        std::lock_guard lock(g.mu);
        auto it = g.members.find(group);
        if (it == g.members.end())
            it = g.members.emplace(std::string(group), std::set<std::string, std::less<>>{}).first;
        if (!it->second.emplace(user).second) return false;
    }
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    auto it = u.groups.find(user);
    if (it == u.groups.end())
        it = u.groups.emplace(std::string(user), std::set<std::string, std::less<>>{}).first;
    it->second.emplace(group);
    return true;
}

bool Groups::leave(std::string_view group, std::string_view user) {
    {
        GroupShard& g = group_shard(group);
        std::lock_guard lock(g.mu);
        const auto it = g.members.find(group);
        if (it == g.members.end()) return false;
        const auto m = it->second.find(user);
        if (m == it->second.end()) return false;
        it->second.erase(m);
        if (it->second.empty()) g.members.erase(it);
    }
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    if (const auto it = u.groups.find(user); it != u.groups.end()) {
        if (const auto g = it->second.find(group); g != it->second.end()) it->second.erase(g);
        if (it->second.empty()) u.groups.erase(it);
    }
    return true;
}

bool Groups::is_member(std::string_view group, std::string_view user) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    const auto it = g.members.find(group);
    return it != g.members.end() && it->second.find(user) != it->second.end();
}

std::vector<std::string> Groups::members(std::string_view group) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    const auto it = g.members.find(group);
    if (it == g.members.end()) return {};
    return {it->second.begin(), it->second.end()};
}

std::size_t Groups::member_count(std::string_view group) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    const auto it = g.members.find(group);
    return it == g.members.end() ? 0 : it->second.size();
}

std::vector<std::string> Groups::groups_of(std::string_view user) const {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    const auto it = u.groups.find(user);
    if (it == u.groups.end()) return {};
    return {it->second.begin(), it->second.end()};
}

void Groups::set_name(std::string_view group, std::string_view name) {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    g.names[std::string(group)] = std::string(name);
}

std::string Groups::name(std::string_view group) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    const auto it = g.names.find(group);
    return it == g.names.end() ? std::string(group) : it->second;
}

void Groups::set_owner(std::string_view group, std::string_view owner) {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    g.owners[std::string(group)] = std::string(owner);
}

std::string Groups::owner(std::string_view group) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    const auto it = g.owners.find(group);
    return it == g.owners.end() ? std::string() : it->second;
}

bool Groups::exists(std::string_view group) const {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    return g.members.find(group) != g.members.end() || g.names.find(group) != g.names.end() ||
           g.owners.find(group) != g.owners.end();
}

void Groups::forget(std::string_view group) {
    GroupShard& g = group_shard(group);
    std::lock_guard lock(g.mu);
    if (const auto it = g.names.find(group); it != g.names.end()) g.names.erase(it);
    if (const auto it = g.owners.find(group); it != g.owners.end()) g.owners.erase(it);
}

bool Groups::loaded(std::string_view user) const {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    return u.loaded.find(user) != u.loaded.end();
}

void Groups::mark_loaded(std::string_view user) {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    u.loaded.emplace(user);
}

void Groups::set_profile(std::string_view user, Profile profile) {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    u.profiles[std::string(user)] = std::move(profile);
}

void Groups::fill_profile(std::string_view user, Profile profile) {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    if (u.profiles.find(user) == u.profiles.end()) {
        u.profiles.emplace(std::string(user), std::move(profile));
    }
}

std::optional<Profile> Groups::profile(std::string_view user) const {
    UserShard& u = user_shard(user);
    std::lock_guard lock(u.mu);
    const auto it = u.profiles.find(user);
    if (it == u.profiles.end()) return std::nullopt;
    return it->second;
}

}  // namespace jim::router
