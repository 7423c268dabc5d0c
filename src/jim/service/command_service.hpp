#pragma once
// Runs client commands (spec §6) with J-IM's JSON shapes and status codes, fixing its defects
// (§11): identity comes from the session, every error gets a status, unknown commands get 10017,
// group membership belongs to the user and is checked before posting.
//
// The handlers are spread over command_service.cpp (dispatch, auth, login, close),
// chat_handlers.cpp (cmd 11), group_handlers.cpp (cmd 7, 21), get_user.cpp (cmd 17),
// people.cpp (profiles and friends, for the HTTP API), presence.cpp (cmd 9/10/29 to
// interested peers), message_handlers.cpp (cmd 19, offline push), recall_handlers.cpp
// (cmd 15) and receipt_handlers.cpp (cmd 23, 25, 27).
// Owner: the Server (one instance, shared by all workers). Thread: any worker; handle() keeps no
// state of its own between calls (per-worker state lives in WorkerContext; shared state in the
// thread-safe Delivery and Groups).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/proto/chat.hpp"
#include "jim/proto/message_id.hpp"
#include "jim/router/bans.hpp"
#include "jim/router/groups.hpp"
#include "jim/service/events.hpp"
#include "jim/service/kick_policy.hpp"
#include "jim/service/moderation.hpp"
#include "jim/service/peer.hpp"
#include "jim/service/presence_throttle.hpp"
#include "jim/service/stats.hpp"
#include "jim/store/message_store.hpp"

namespace jim::service {

// Per-worker mutable state the handlers need. Thread: owning worker only.
struct WorkerContext {
    using SessionRunner =
        std::function<void(router::SessionRef, const std::function<void(Peer&)>&)>;
    WorkerContext(proto::MessageIdGenerator ids_, std::function<void(std::function<void()>)> post_,
                  SessionRunner with_session_ = {})
        : ids(ids_), post(std::move(post_)), with_session(std::move(with_session_)) {}

    proto::MessageIdGenerator ids;
    // Runs a function on this worker later (how store completions come home).
    std::function<void(std::function<void()>)> post;
    // Runs `fn` with the Peer of `session` now if that session is still open on this worker
    // (how a command that waited for I/O, such as a webhook login, resumes). Owning worker only.
    SessionRunner with_session;
    ServiceStats stats;  // this worker's command counters (/metrics)
};

// What became of one chat message.
struct ChatOutcome {
    Errc error = Errc::ok;
    int code = 0;        // the J-IM status for the sender's ack (10000, 10001, 10002, ...)
    std::string reason;  // when refused
    std::string id;      // server message id, when accepted
    std::int64_t create_time = 0;
    std::uint64_t seq = 0;   // place in the conversation (0 without a store)
    bool duplicate = false;  // a retried clientMsgId: the original's id and seq, not sent again
};

// One message to recall (cmd 15, or the admin API).
struct RecallTarget {
    std::string conversation;  // store::private_conversation / group_conversation
    std::uint64_t seq = 0;
    std::string id;
    std::string by;  // the recalling user: only its own messages, within the window; empty: admin
};

// What became of a recall.
struct RecallOutcome {
    Errc error = Errc::ok;
    int code = 0;        // J-IM status for the reply
    std::string reason;  // when refused
    std::string body;    // the recalled ChatBody as history shows it now
    bool already = false;
};

// A group's own data (the admin API), stored apart from its memberships.
struct GroupInfo {
    std::string name;   // empty: none set (replies show the group id)
    std::string owner;  // empty: none
};

// A group as read for the admin API.
struct GroupView {
    bool exists = false;  // it has members or stored info
    GroupInfo info;
    std::vector<std::string> members;  // sorted
};

struct ServiceOptions {
    // Groups every user is made a member of at login (J-IM's demo puts everyone in "100").
    std::vector<std::string> default_groups;
    // get-user lists at most this many users per group (the rest are counted in "online").
    std::size_t max_listed_members = 1000;
    // Push a user's offline messages (cmd 11) right after login, then clear them from the inbox.
    bool push_offline_on_login = true;
    // Most messages one get-message reply (cmd 20) or one login push carries.
    std::size_t max_messages_per_reply = 1000;
    // presence.max_group_list: groups with more members than this hear presence changes as
    // rate-limited counts (cmd 29) instead of one cmd 9/10 per change.
    std::size_t presence_max_group_list = 500;
    // presence.count_interval_ms: at most one count update per large group per interval.
    std::int64_t presence_count_interval_ms = 1000;
    // How long after sending (by the server's createTime) a sender may recall; 0: never.
    std::int64_t recall_window_ms = 120'000;
    // What a new login does to the user's older sessions (session.kick_policy).
    KickPolicy kick_policy = KickPolicy::none;
    // groups.max_members: a join (cmd 7) is refused with result 3 (GROUP_FULL) once the group
    // has this many members; 0: no limit.
    std::size_t group_max_members = 0;
    // groups.join = "invite": members are added by the admin API (or as a group's owner), and
    // cmd 7 only confirms a membership (result 2 NOT_EXIST for a group without members, 0
    // otherwise). false ("open"): cmd 7 joins any group, as in J-IM.
    bool groups_by_invitation = false;
    // Where events for the business backend go (webhooks); not owned, may be null.
    EventSink* events = nullptr;
    // Asked about every chat message before it is stored; not owned, may be null.
    Moderator* moderator = nullptr;
};

class CommandService {
  public:
    // `store` may be null: then nothing is persisted (no offline messages, no history), as in
    // J-IM without store mode; benchmarks use it to measure routing alone.
    CommandService(const auth::Authenticator& auth, Delivery& delivery, router::Groups& groups,
                   const Clock& clock, ServiceOptions options = {},
                   store::MessageStore* store = nullptr)
        : auth_(auth),
          delivery_(delivery),
          groups_(groups),
          clock_(clock),
          options_(std::move(options)),
          store_(store),
          counts_(options_.presence_count_interval_ms) {}

    // Handles one decoded command with its JSON body.
    void handle(Peer& peer, WorkerContext& ctx, std::uint8_t command, std::string_view body);

    // Validates, completes, stores and routes one chat message from `user` (the session's user,
    // or any user for the HTTP API). `exclude` is the sending session, which gets no copy.
    // With a store, receivers get it and `done` runs only once it is durable; `done` always runs
    // on the calling worker.
    void send_chat(std::string_view user, std::string_view body, WorkerContext& ctx,
                   router::SessionRef exclude, std::function<void(ChatOutcome)> done);

    // Recalls one message and tells the conversation's online sessions (cmd 16) except
    // `exclude`. Needs a store. `done` runs on the calling worker.
    void recall(RecallTarget target, WorkerContext& ctx, router::SessionRef exclude,
                std::function<void(RecallOutcome)> done);

    // The network layer calls this when a logged-in session has ended; `remaining` is how many
    // sessions the user still has. The last one goes through user_offline(); every one is an
    // event (user.offline) for webhooks.
    void session_ended(std::string_view user, std::string_view terminal, std::size_t remaining,
                       WorkerContext& ctx);
    // The network layer calls this when a user's last session has closed: every group the user
    // belongs to hears about it once (cmd 10, or a count for large groups), however many devices
    // the user had, and so do the online users who list it as a friend (cmd 29).
    void user_offline(std::string_view user, WorkerContext& ctx);

    // Sends the due count updates of large groups (cmd 29). The network layer calls it
    // periodically from one worker; cheap when nothing is pending.
    void tick();

    // Profiles (P4 #8): written through to the store (`done` once durable; without a store at
    // once) and cached for notifications and get-user. `done` runs on the calling worker.
    void set_profile(std::string user, router::Profile profile, WorkerContext& ctx,
                     std::function<void(Errc)> done);
    // The profile as get-user shows it (cache, else store); nullopt when none was ever set.
    void get_profile(std::string user, WorkerContext& ctx,
                     std::function<void(Result<std::optional<router::Profile>>)> done);

    // Contact lists (they need a store: Errc::unsupported without one). `done` runs on the
    // calling worker once durable.
    void add_friend(std::string user, std::string friend_id, std::string category,
                    WorkerContext& ctx, std::function<void(Errc)> done);
    void remove_friend(std::string user, std::string friend_id, WorkerContext& ctx,
                       std::function<void(Errc)> done);
    void friends(std::string user, WorkerContext& ctx,
                 std::function<void(Result<std::vector<store::Friend>>)> done);

    // Admin operations (admin_ops.cpp), for the HTTP API. Thread: any worker.
    // A ban closes the user's sessions and refuses its logins at once; with a store it is
    // written through, and `done` runs (on the calling worker) once it is durable, with false if
    // the user was banned already, or with the store's error (the ban still holds until
    // restart). unban: false if the user was not banned.
    void ban(std::string user, std::string reason, WorkerContext& ctx,
             std::function<void(Result<bool>)> done);
    void unban(std::string user, WorkerContext& ctx, std::function<void(Result<bool>)> done);
    // Start-up, before the server takes logins: loads the stored bans. Blocks; throws
    // std::runtime_error when the store cannot be read (starting would let banned users in).
    void load_bans();
    // A ban set or lifted on another node of the cluster (stored there already): memory only.
    void apply_ban(std::string_view user, std::string_view reason, bool banned);
    // Adds the stored bans this node does not hold (announcements missed while the cluster's
    // subscriber link was down or not yet up). Additive: a missed lift keeps the user banned
    // here until the next start. Asynchronous; Thread: any.
    void refresh_bans();
    const router::Bans& bans() const noexcept { return bans_; }
    // Groups (group_admin.cpp). With a store a group's info is read from it on every use (no
    // cache: a change on one cluster node is what every node reads next) and the writes' `done`
    // runs once the info is durable (the membership writes queued before it are done then);
    // without one it lives in Groups. `done` runs on the calling worker.
    // The group's info and members as stored. Afterwards this process knows the stored members
    // in memory (as after a member's login), so add_member/remove_member see them.
    void read_group(std::string group, WorkerContext& ctx,
                    std::function<void(Result<GroupView>)> done);
    // nullopt if the group exists already (members or info); else the group created. The owner
    // is a member.
    void create_group(std::string group, GroupInfo info, std::vector<std::string> members,
                      WorkerContext& ctx,
                      std::function<void(Result<std::optional<GroupView>>)> done);
    // Renames and/or sets the owner (who becomes a member); nullopt if the group does not
    // exist. Concurrent updates of one group: the last write wins for the whole info.
    void update_group(std::string group, std::optional<std::string> name,
                      std::optional<std::string> owner, WorkerContext& ctx,
                      std::function<void(Result<std::optional<GroupView>>)> done);
    // Removes every member (each hears cmd 10) and the info; nullopt if the group does not
    // exist, else how many members were removed.
    void dissolve_group(std::string group, WorkerContext& ctx,
                        std::function<void(Result<std::optional<std::size_t>>)> done);
    // false if `user` was a member already / was not a member (of those this process knows:
    // call read_group first).
    bool add_member(std::string_view group, std::string_view user);
    bool remove_member(std::string_view group, std::string_view user);
    // Deletes one message for good (store::DeleteRequest; target.by is ignored) and tells the
    // conversation's online sessions with a cmd-16 push marked "deleted" (once: a repeated
    // delete answers already = true and pushes nothing). Outcome body: that push's ChatBody.
    // Needs a store. `done` runs on the calling worker.
    void delete_message(RecallTarget target, WorkerContext& ctx,
                        std::function<void(RecallOutcome)> done);
    router::Groups& groups() noexcept { return groups_; }
    store::MessageStore* store() noexcept { return store_; }

  private:
    void on_auth(Peer& peer, std::string_view body);
    void on_login(Peer& peer, WorkerContext& ctx, std::string_view body);
    void finish_login(Peer& peer, WorkerContext& ctx, const auth::AuthResult& result);
    void on_close(Peer& peer, std::string_view body);
    void apply_kick_policy(Peer& peer);
    void on_chat(Peer& peer, WorkerContext& ctx, std::string_view body);
    void on_join(Peer& peer, WorkerContext& ctx, std::string_view body);
    void decide_join(Peer& peer, const std::string& group, std::size_t members);
    void on_leave(Peer& peer, std::string_view body);
    void on_get_user(Peer& peer, WorkerContext& ctx, std::string_view body);
    void reply_get_user(router::SessionRef session, const std::string& user, std::int64_t type,
                        const std::vector<store::Friend>& friends,
                        const std::map<std::string, std::string>& group_names);
    // The display names of `groups` (the stored name, else the id), then `then` on this worker.
    void group_names(std::vector<std::string> groups, WorkerContext& ctx,
                     std::function<void(std::map<std::string, std::string>)> then);
    void on_get_message(Peer& peer, WorkerContext& ctx, std::string_view body);
    void on_recall(Peer& peer, WorkerContext& ctx, std::string_view body);
    void on_delivered(Peer& peer, std::string_view body);
    void on_read(Peer& peer, WorkerContext& ctx, std::string_view body);
    void on_recent(Peer& peer, WorkerContext& ctx, std::string_view body);
    // Queues `body` for every online session of the conversation's users except `exclude`.
    void send_to_conversation(std::string_view conversation, std::uint8_t command,
                              const SharedBytes& body, router::SessionRef exclude);
    void push_offline(router::SessionRef session, std::string user, WorkerContext& ctx);
    void load_memberships(const std::string& user, WorkerContext& ctx, std::function<void()> then);
    // Caches the stored profiles of those of `users` that are not cached, then runs `then` on
    // this worker (at once without a store or when all are cached).
    void load_profiles(std::vector<std::string> users, WorkerContext& ctx,
                       std::function<void()> then);
    // The auth backend's profile of a user at login: cached and written through when it says
    // more than the user id and differs from what is cached.
    void remember_login_profile(const proto::User& user);
    void join_group(std::string_view group, std::string_view user);
    void leave_group(std::string_view group, std::string_view user);
    struct Route;
    void moderate(Route route, proto::PreparedChat chat, ChatOutcome out, WorkerContext& ctx,
                  router::SessionRef exclude, std::function<void(ChatOutcome)> done);
    void commit(Route route, proto::PreparedChat chat, ChatOutcome out, WorkerContext& ctx,
                router::SessionRef exclude, std::function<void(ChatOutcome)> done);
    void deliver(const Route& route, const std::string& body, router::SessionRef exclude,
                 ChatOutcome& result);
    // Queues `body` for every online session of every member of `group` except `exclude`;
    // returns how many sessions it reached.
    std::size_t send_to_group(std::string_view group, std::uint8_t command, const SharedBytes& body,
                              router::SessionRef exclude);
    void notify_presence(std::string_view user, bool online, std::string_view only_group = {});
    void notify_friends(const std::string& user, bool online, WorkerContext& ctx);
    void send_group_count(const std::string& group);
    std::string user_json(std::string_view user, std::string_view status) const;
    bool wants(EventType type) const noexcept {
        return options_.events != nullptr && options_.events->wants(type);
    }
    void publish_session(EventType type, std::string_view user, std::string_view terminal,
                         std::size_t sessions);
    void publish_membership(EventType type, std::string_view group, std::string_view user);
    void publish_message(const std::string& body, const std::vector<std::string>& offline_users);
    static void reply(Peer& peer, std::uint8_t command, std::string_view json);

    const auth::Authenticator& auth_;
    Delivery& delivery_;
    router::Groups& groups_;
    const Clock& clock_;
    ServiceOptions options_;
    store::MessageStore* store_;
    PresenceThrottle counts_;
    router::Bans bans_;
};

}  // namespace jim::service
