#include "jim/router/registry.hpp"

#include <algorithm>

namespace jim::router {

std::size_t Registry::add(std::string_view user, SessionRef ref, std::uint8_t protocol) {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    auto it = s.users.find(user);
    if (it == s.users.end()) it = s.users.emplace(std::string(user), std::vector<Entry>{}).first;
    it->second.push_back(Entry{ref, protocol});
    return it->second.size();
}

std::size_t Registry::remove(std::string_view user, SessionRef ref) {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    const auto it = s.users.find(user);
    if (it == s.users.end()) return 0;
    auto& refs = it->second;
    refs.erase(
        std::remove_if(refs.begin(), refs.end(), [&](const Entry& e) { return e.ref == ref; }),
        refs.end());
    const std::size_t left = refs.size();
    if (left == 0) s.users.erase(it);
    return left;
}

std::size_t Registry::lookup(std::string_view user, std::vector<SessionRef>& out) const {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    const auto it = s.users.find(user);
    if (it == s.users.end()) return 0;
    for (const Entry& e : it->second) out.push_back(e.ref);
    return it->second.size();
}

std::vector<Registry::Entry> Registry::sessions(std::string_view user) const {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    const auto it = s.users.find(user);
    if (it == s.users.end()) return {};
    return it->second;
}

bool Registry::online(std::string_view user) const {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    return s.users.find(user) != s.users.end();
}

std::size_t Registry::online_users() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lock(s.mu);
        n += s.users.size();
    }
    return n;
}

std::vector<std::string> Registry::users() const {
    std::vector<std::string> out;
    for (auto& s : shards_) {
        std::lock_guard lock(s.mu);
        for (const auto& [user, refs] : s.users) out.push_back(user);
    }
    return out;
}

std::vector<std::pair<std::string, std::uint32_t>> Registry::user_counts() const {
    std::vector<std::pair<std::string, std::uint32_t>> out;
    for (auto& s : shards_) {
        std::lock_guard lock(s.mu);
        for (const auto& [user, refs] : s.users) {
            out.emplace_back(user, static_cast<std::uint32_t>(refs.size()));
        }
    }
    return out;
}

}  // namespace jim::router
