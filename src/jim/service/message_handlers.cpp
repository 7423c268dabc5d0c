// Stored messages (spec §6.8, issue P4): offline messages and history through cmd 19, a sync
// extension (afterSeq), the offline push after login, and memberships that outlive restarts.
// Store calls complete on a store thread; every completion is posted back to the worker first.

#include <map>

#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

namespace {

using Buckets = std::map<std::string, std::vector<std::string>>;  // key -> ChatBody JSON texts

// UserMessageData (spec §5.4): {"friends":{peer:[…]},"groups":{gid:[…]},"userId":…}.
std::string message_data(const Buckets& friends, const Buckets& groups, std::string_view user) {
    std::string out;
    const auto append_map = [&](const Buckets& b) {
        out += '{';
        bool first = true;
        for (const auto& [key, bodies] : b) {
            if (!first) out += ',';
            first = false;
            proto::append_json_string(out, key);
            out += ":[";
            for (std::size_t i = 0; i < bodies.size(); ++i) {
                if (i != 0) out += ',';
                out += bodies[i];
            }
            out += ']';
        }
        out += '}';
    };
    out += "{\"friends\":";
    append_map(friends);
    out += ",\"groups\":";
    append_map(groups);
    out += ",\"userId\":";
    proto::append_json_string(out, user);
    out += '}';
    return out;
}

// The group id of a group conversation key, or empty for a private one (see store keys).
std::string_view group_of(std::string_view conversation) {
    return !conversation.empty() && conversation[0] == 'g' ? conversation.substr(1)
                                                           : std::string_view();
}

}  // namespace

void CommandService::on_get_message(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto fail = [&](std::string_view why) {
        reply(peer, proto::code(Command::get_message_resp),
              proto::status_reply(Command::get_message_resp, status::kGetMessageFailed, why));
    };
    if (store_ == nullptr) return fail("message storage is off (store.engine = \"none\")");
    const auto parsed = proto::parse_object(body);
    if (!parsed) return fail("body is not a JSON object");
    const auto& o = *parsed;
    const std::string user(peer.user());
    // Fixing J-IM (spec §11.1 #1): a session reads only its own user's messages.
    if (proto::get_string(o, "userId").value_or("") != user) {
        return fail("userId must be the logged-in user");
    }
    const auto type = proto::get_int(o, "type").value_or(-1);
    const std::string group(proto::get_string(o, "groupId").value_or(""));
    const std::string from(proto::get_string(o, "fromUserId").value_or(""));
    const auto session = peer.ref();
    const auto send = [this, session](int code, const std::string& data) {
        delivery_.send_to_session(
            session, proto::code(Command::get_message_resp),
            SharedBytes::copy_of(proto::status_reply(Command::get_message_resp, code, {}, data)));
    };
    const auto send_failure = [this, session](std::string_view why) {
        delivery_.send_to_session(session, proto::code(Command::get_message_resp),
                                  SharedBytes::copy_of(proto::status_reply(
                                      Command::get_message_resp, status::kGetMessageFailed, why)));
    };

    if (type == 0) {
        // Offline messages. Without a filter they are removed from the inbox once answered
        // (atomically: whatever arrives meanwhile stays); with one they are only read.
        const bool filtered = !group.empty() || !from.empty();
        store_->read_inbox(
            user, options_.max_messages_per_reply,
            [this, post = ctx.post, user, group, from, filtered, send,
             send_failure](Result<std::vector<store::InboxEntry>> r) {
                post([this, user, group, from, filtered, send, send_failure, r = std::move(r)] {
                    if (!r) return send_failure("the store could not be read");
                    Buckets friends, groups;
                    for (const auto& e : *r) {
                        const auto g = group_of(e.message.conversation);
                        if (!g.empty()) {
                            if (group.empty() || g == group) {
                                if (from.empty()) groups[std::string(g)].push_back(e.message.body);
                            }
                        } else if ((from.empty() || e.message.sender == from) && group.empty()) {
                            friends[e.message.sender].push_back(e.message.body);
                        }
                    }
                    send(status::kGetOfflineMessageOk, message_data(friends, groups, user));
                    if (!filtered && !r->empty()) {
                        store_->ack_inbox(user, r->back().inbox_seq, [](Errc) {});
                    }
                });
            });
        return;
    }
    if (type != 1) return fail("type must be 0 (offline) or 1 (history)");

    store::HistoryQuery q;
    if (!group.empty()) {
        if (!groups_.is_member(group, user)) return fail("not a member of this group");
        q.conversation = store::group_conversation(group);
    } else if (!from.empty()) {
        q.conversation = store::private_conversation(user, from);
    } else {
        return fail("groupId or fromUserId is required");
    }
    const auto begin = proto::get_int(o, "beginTime");
    const auto end = proto::get_int(o, "endTime");
    if (begin && end) {  // J-IM uses the window only when both ends are given
        q.begin_time = begin;
        q.end_time = end;
    }
    if (const auto after = proto::get_int(o, "afterSeq"); after && *after >= 0) {
        q.after_seq = static_cast<std::uint64_t>(*after);
    }
    const auto offset = proto::get_int(o, "offset");
    const auto count = proto::get_int(o, "count");
    q.limit = options_.max_messages_per_reply;
    if (offset && count && *offset >= 0 && *count >= 0) {
        q.offset = static_cast<std::size_t>(*offset);
        q.limit = std::min(q.limit, static_cast<std::size_t>(*count));
    }
    store_->history(std::move(q), [post = ctx.post, user, group, from, send,
                                   send_failure](Result<std::vector<store::MessageRecord>> r) {
        post([user, group, from, send, send_failure, r = std::move(r)] {
            if (!r) return send_failure("the store could not be read");
            Buckets friends, groups;
            auto& bucket = group.empty() ? friends[from] : groups[group];
            for (const auto& m : *r) bucket.push_back(m.body);
            send(status::kGetHistoryOk, message_data(friends, groups, user));
        });
    });
}

// After login: push what arrived while the user was away (cmd 11, oldest first) to the new
// session, then clear exactly those entries. A cmd 19 type 0 afterwards returns only what came
// since. Other devices catch up through history with afterSeq.
void CommandService::push_offline(router::SessionRef session, std::string user,
                                  WorkerContext& ctx) {
    store_->read_inbox(
        user, options_.max_messages_per_reply,
        [this, post = ctx.post, session, user](Result<std::vector<store::InboxEntry>> r) {
            post([this, session, user, r = std::move(r)] {
                if (!r || r->empty()) return;
                for (const auto& e : *r) {
                    delivery_.send_to_session(session, proto::code(Command::chat_req),
                                              proto::shared_chat_push(e.message.body));
                }
                store_->ack_inbox(user, r->back().inbox_seq, [](Errc) {});
            });
        });
}

// Memberships are written through to the store and read back when their user logs in, so
// they outlive restarts.
void CommandService::join_group(std::string_view group, std::string_view user) {
    if (!groups_.join(group, user)) return;
    if (store_ != nullptr) store_->add_member(std::string(group), std::string(user), [](Errc) {});
    delivery_.membership_changed(group, user, true);
    publish_membership(EventType::group_join, group, user);
}

void CommandService::leave_group(std::string_view group, std::string_view user) {
    if (!groups_.leave(group, user)) return;
    if (store_ != nullptr)
        store_->remove_member(std::string(group), std::string(user), [](Errc) {});
    delivery_.membership_changed(group, user, false);
    publish_membership(EventType::group_leave, group, user);
}

// {"groupId":"…","userId":"…"}
void CommandService::publish_membership(EventType type, std::string_view group,
                                        std::string_view user) {
    if (!wants(type)) return;
    std::string data = "{\"groupId\":";
    proto::append_json_string(data, group);
    data += ",\"userId\":";
    proto::append_json_string(data, user);
    data += '}';
    options_.events->publish(type, std::move(data));
}

// Reads the user's groups and their members back from the store once per process, then runs
// `then` on the worker. Until then the in-memory view would miss memberships made before a
// restart.
void CommandService::load_memberships(const std::string& user, WorkerContext& ctx,
                                      std::function<void()> then) {
    if (store_ == nullptr || groups_.loaded(user)) {
        then();
        return;
    }
    store_->groups_of(
        user, [this, post = ctx.post, user, then](Result<std::vector<std::string>> gs) {
            post([this, post, user, then, gs = std::move(gs)] {
                if (!gs || gs->empty()) {
                    groups_.mark_loaded(user);
                    then();
                    return;
                }
                // Counted on the worker: every completion is posted here.
                auto remaining = std::make_shared<std::size_t>(gs->size());
                for (const auto& g : *gs) {
                    store_->members(g, [this, post, g, user, then,
                                        remaining](Result<std::vector<std::string>> ms) {
                        post([this, g, user, then, remaining, ms = std::move(ms)] {
                            if (ms) {
                                for (const auto& m : *ms) groups_.join(g, m);
                            }
                            if (--*remaining == 0) {
                                groups_.mark_loaded(user);
                                then();
                            }
                        });
                    });
                }
            });
        });
}

}  // namespace jim::service
