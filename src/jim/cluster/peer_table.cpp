#include "jim/cluster/peer_table.hpp"

#include <algorithm>

namespace jim::cluster {

using wire::AnnouncementKind;

PeerTable::Peer& PeerTable::peer(const std::string& node) {
    auto it = std::find(ids_.begin(), ids_.end(), node);
    if (it != ids_.end()) return peers_[static_cast<std::size_t>(it - ids_.begin())];
    ids_.push_back(node);
    peers_.push_back(Peer{});
    peers_.back().index = static_cast<NodeIndex>(ids_.size() - 1);
    return peers_.back();
}

std::optional<NodeIndex> PeerTable::index_of(std::string_view node) const {
    auto it = std::find(ids_.begin(), ids_.end(), node);
    if (it == ids_.end()) return std::nullopt;
    return static_cast<NodeIndex>(it - ids_.begin());
}

bool PeerTable::resync(Peer& p, TimePoint now) {
    const bool ask = !p.syncing;
    p.syncing = true;
    p.sync_asked = now;
    return ask;
}

void PeerTable::apply(Peer& p, const wire::Announcement& a) {
    for (const auto& e : a.presence) directory_.set(p.index, e.user, e.sessions);
    p.version = a.version;
}

void PeerTable::drop(Peer& p) {
    directory_.clear_node(p.index);
    const NodeIndex index = p.index;
    p = Peer{};
    p.index = index;
}

bool PeerTable::announce(const wire::Announcement& a, TimePoint now) {
    if (a.node == self_) return false;
    Peer& p = peer(a.node);
    if (a.kind == AnnouncementKind::bye) {
        if (p.live && p.incarnation == a.incarnation) drop(p);
        return false;
    }
    if (!p.live || p.incarnation != a.incarnation) {
        // A node we did not know, or a restarted one: nothing of it is trusted until read.
        if (p.live) drop(p);
        p.live = true;
        p.incarnation = a.incarnation;
        p.version = 0;
        p.expires = now + lease_;
        if (a.kind == AnnouncementKind::presence) p.held.push_back(a);
        return resync(p, now);
    }
    p.expires = now + lease_;
    switch (a.kind) {
        case AnnouncementKind::presence:
            if (p.syncing) {
                p.held.push_back(a);
                return false;
            }
            if (a.version <= p.version) return false;  // already in what was read
            if (a.version == p.version + 1) {
                apply(p, a);
                return false;
            }
            p.held.push_back(a);
            return resync(p, now);
        case AnnouncementKind::heartbeat:
            return a.version > p.version ? resync(p, now) : false;
        case AnnouncementKind::reset:
            return resync(p, now);
        default:
            return false;
    }
}

bool PeerTable::snapshot(const std::string& node, std::uint64_t incarnation, std::uint64_t version,
                         const std::vector<wire::PresenceEntry>& entries, TimePoint now) {
    Peer& p = peer(node);
    if (node == self_) return false;
    directory_.clear_node(p.index);
    p.live = true;
    if (p.incarnation != incarnation) p.held.clear();
    p.incarnation = incarnation;
    p.version = version;
    p.syncing = false;
    p.expires = std::max(p.expires, now + lease_);
    for (const auto& e : entries) directory_.set(p.index, e.user, e.sessions);
    auto held = std::move(p.held);
    p.held.clear();
    std::sort(held.begin(), held.end(),
              [](const auto& x, const auto& y) { return x.version < y.version; });
    for (const auto& a : held) {
        if (a.incarnation != p.incarnation || a.version <= p.version) continue;
        if (a.version != p.version + 1) {
            p.held.push_back(a);  // still a gap: keep the rest and read again
            continue;
        }
        apply(p, a);
    }
    return !p.held.empty() && resync(p, now);
}

void PeerTable::gone(const std::string& node) {
    if (auto i = index_of(node)) drop(peers_[*i]);
}

std::vector<std::string> PeerTable::expire(TimePoint now) {
    std::vector<std::string> out;
    for (auto& p : peers_) {
        if (!p.live || p.expires > now) continue;
        out.push_back(ids_[p.index]);
        drop(p);
    }
    return out;
}

std::vector<std::string> PeerTable::stale_snapshots(TimePoint now) {
    std::vector<std::string> out;
    for (auto& p : peers_) {
        if (p.live && p.syncing && now - p.sync_asked > lease_ / 2) {
            p.sync_asked = now;
            out.push_back(ids_[p.index]);
        }
    }
    return out;
}

std::vector<std::string> PeerTable::nodes() const {
    std::vector<std::string> out;
    for (const auto& p : peers_) {
        if (p.live) out.push_back(ids_[p.index]);
    }
    return out;
}

std::size_t PeerTable::live() const {
    return static_cast<std::size_t>(
        std::count_if(peers_.begin(), peers_.end(), [](const auto& p) { return p.live; }));
}

}  // namespace jim::cluster
