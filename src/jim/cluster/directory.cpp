#include "jim/cluster/directory.hpp"

#include <algorithm>

namespace jim::cluster {

void Directory::set(NodeIndex node, std::string_view user, std::uint32_t sessions) {
    Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    auto it = s.users.find(user);
    if (it == s.users.end()) {
        if (sessions == 0) return;
        s.users.emplace(std::string(user), Entries{{node, sessions}});
        return;
    }
    Entries& e = it->second;
    auto pos = std::find_if(e.begin(), e.end(), [&](const auto& x) { return x.node == node; });
    if (sessions == 0) {
        if (pos != e.end()) e.erase(pos);
        if (e.empty()) s.users.erase(it);
    } else if (pos != e.end()) {
        pos->sessions = sessions;
    } else {
        e.push_back({node, sessions});
    }
}

void Directory::clear_node(NodeIndex node) {
    for (Shard& s : shards_) {
        std::lock_guard lock(s.mu);
        for (auto it = s.users.begin(); it != s.users.end();) {
            Entries& e = it->second;
            std::erase_if(e, [&](const auto& x) { return x.node == node; });
            it = e.empty() ? s.users.erase(it) : std::next(it);
        }
    }
}

std::uint32_t Directory::sessions(std::string_view user) const {
    const Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    auto it = s.users.find(user);
    if (it == s.users.end()) return 0;
    std::uint32_t n = 0;
    for (const auto& x : it->second) n += x.sessions;
    return n;
}

void Directory::nodes_of(std::string_view user, std::vector<NodeSessions>& out) const {
    const Shard& s = shard(user);
    std::lock_guard lock(s.mu);
    auto it = s.users.find(user);
    if (it != s.users.end()) out.insert(out.end(), it->second.begin(), it->second.end());
}

std::size_t Directory::users() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mu);
        n += s.users.size();
    }
    return n;
}

}  // namespace jim::cluster
