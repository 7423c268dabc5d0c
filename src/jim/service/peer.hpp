#pragma once
// What a command handler sees of the session a command came from, and how it reaches other
// sessions. Both are implemented by the network layer; tests implement them with fakes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jim/base/error.hpp"
#include "jim/base/shared_bytes.hpp"
#include "jim/proto/replies.hpp"
#include "jim/router/session_ref.hpp"

namespace jim::service {

// One connection's view for handlers. Thread: owning worker only.
class Peer {
  public:
    virtual ~Peer() = default;
    virtual router::SessionRef ref() const noexcept = 0;
    // The logged-in user id, empty before login.
    virtual std::string_view user() const noexcept = 0;
    // "tcp" or "ws" (J-IM's User.terminal).
    virtual std::string_view terminal() const noexcept = 0;
    // Queues a server message; it goes out at the end of this loop pass (corked).
    virtual void send(std::uint8_t command, SharedBytes body) = 0;
    // Binds the session to `user` (rebinding if it was logged in as someone else) and makes it
    // reachable through Delivery. Returns the user's live session count, this one included.
    virtual std::size_t bind_user(const proto::User& user) = 0;
    // Closes after what is queued has been written. Idempotent.
    virtual void close(Errc reason) = 0;
};

// Reaching sessions by user id, wherever they live: on any worker of this node and, on a
// cluster node, on the other nodes. Thread: any worker.
class Delivery {
  public:
    virtual ~Delivery() = default;
    // Queues `body` for every session of `user` except `exclude`; returns how many sessions
    // it was queued for (0 = the user has no other live session).
    virtual std::size_t send_to_user(std::string_view user, std::uint8_t command,
                                     const SharedBytes& body, router::SessionRef exclude) = 0;
    // Queues `body` for every session of the group's `members` except `exclude`; returns how
    // many sessions it was queued for. A cluster node sends it once to each other node that
    // holds a member, which fans out to its own members.
    virtual std::size_t send_to_members(std::string_view group,
                                        const std::vector<std::string>& members,
                                        std::uint8_t command, const SharedBytes& body,
                                        router::SessionRef exclude) {
        (void)group;
        std::size_t n = 0;
        for (const auto& m : members) n += send_to_user(m, command, body, exclude);
        return n;
    }
    // A group membership changed on this node; the other nodes of a cluster are told so that
    // their view of the group follows. Nothing to do on a single node.
    virtual void membership_changed(std::string_view group, std::string_view user, bool joined) {
        (void)group;
        (void)user;
        (void)joined;
    }
    // A ban was set or lifted on this node; the other nodes of a cluster apply it too (their
    // sessions of the user are closed through close_user). Nothing to do on a single node.
    virtual void ban_changed(std::string_view user, std::string_view reason, bool banned) {
        (void)user;
        (void)reason;
        (void)banned;
    }
    // Queues `body` for one session (if it is still alive).
    virtual void send_to_session(router::SessionRef session, std::uint8_t command,
                                 const SharedBytes& body) = 0;
    // Closes every session of `user` (after flushing what is queued); returns how many.
    virtual std::size_t close_user(std::string_view user, Errc reason) = 0;
    // Whether `user` has at least one live session (on any node of a cluster).
    virtual bool online(std::string_view user) = 0;
    // One live session and its terminal ("tcp", "ws"; a static string).
    struct SessionEntry {
        router::SessionRef ref;
        std::string_view terminal;
    };
    // The user's live sessions, oldest login first.
    virtual std::vector<SessionEntry> sessions_of(std::string_view user) = 0;
    // Closes one session (after flushing what is queued for it) if it is still alive.
    virtual void close_session(router::SessionRef session, Errc reason) = 0;
};

}  // namespace jim::service
