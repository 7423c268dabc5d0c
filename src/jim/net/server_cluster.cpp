// The Server's side of the cluster (cluster::LocalNode): deliveries from other nodes, their
// membership news, and this node's presence as the cluster announces it. Called on the
// cluster's loop, which is worker 0's: sessions on other workers are reached in worker 0's
// batches, as everything else is.

#include "jim/net/server.hpp"

namespace jim::net {

void Server::deliver(std::vector<cluster::Inbound> batch) {
    for (const auto& in : batch) {
        switch (in.kind) {
            case cluster::wire::DeliveryKind::user:
                send_local(in.target, in.code, in.body, {});
                break;
            case cluster::wire::DeliveryKind::group:
                for (const auto& m : groups_.members(in.target))
                    send_local(m, in.code, in.body, {});
                break;
            case cluster::wire::DeliveryKind::close:
                if (in.code < kErrcCount) close_local(in.target, static_cast<Errc>(in.code));
                break;
        }
    }
}

// Only groups this node has in memory follow (a group is read from the store when a member
// logs in here, and from then on kept current by these announcements).
void Server::membership_changed_elsewhere(std::string_view group, std::string_view user,
                                          bool joined) {
    if (joined) {
        if (groups_.exists(group) || groups_.loaded(user)) groups_.join(group, user);
    } else {
        groups_.leave(group, user);
    }
}

void Server::ban_changed_elsewhere(std::string_view user, std::string_view reason, bool banned) {
    service_.apply_ban(user, reason, banned);
}

void Server::announcements_missed() {
    service_.refresh_bans();
}

std::uint32_t Server::local_sessions(std::string_view user) {
    return static_cast<std::uint32_t>(registry_.sessions(user).size());
}

std::vector<std::pair<std::string, std::uint32_t>> Server::local_presence() {
    return registry_.user_counts();
}

bool Server::degraded() {
    const bool cluster_down = cluster_ != nullptr && !cluster_->up();
    return cluster_down || (redis_link_up_ && !redis_link_up_());
}

}  // namespace jim::net
