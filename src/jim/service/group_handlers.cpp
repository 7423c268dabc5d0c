// Groups (spec §6.4, §6.5): join (cmd 7), leave (cmd 21, a jim extension). The join/exit
// notifications they cause are in presence.cpp.

#include "jim/auth/authenticator.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

namespace {

// JoinGroupResult (spec §5.5) values jim sends besides 1 (OK).
constexpr int kJoinRefused = 0;    // UNKNOWN: refused for another reason
constexpr int kJoinNotExist = 2;   // NOT_EXIST
constexpr int kJoinGroupFull = 3;  // GROUP_FULL

// cmd 8 / cmd 22: RespBody + "group" + "result" (JoinGroupRespBody, spec §5.4).
std::string group_reply(Command command, int code, std::string_view group, int result,
                        std::string_view reason = {}) {
    std::string out = "{\"code\":" + std::to_string(code) +
                      ",\"command\":" + std::to_string(proto::code(command)) + ",\"group\":";
    proto::append_json_string(out, group);
    out += ",\"msg\":";
    proto::append_json_string(out, proto::status_msg(code));
    if (!reason.empty()) {
        out += ",\"reason\":";
        proto::append_json_string(out, reason);
    }
    out += ",\"result\":" + std::to_string(result) + "}";
    return out;
}

}  // namespace

std::string CommandService::user_json(std::string_view user, std::string_view status) const {
    proto::User u;
    u.user_id.assign(user);
    if (const auto p = groups_.profile(user)) {
        u.nick = p->nick;
        u.avatar = p->avatar;
        u.sign = p->sign;
    } else {
        u.nick.assign(user);
    }
    std::string out;
    proto::append_user_json(out, u, status, {});
    return out;
}

std::size_t CommandService::send_to_group(std::string_view group, std::uint8_t command,
                                          const SharedBytes& body, router::SessionRef exclude) {
    return delivery_.send_to_members(group, groups_.members(group), command, body, exclude);
}

// cmd 7 (spec §6.4), fixed: the joiner gets a cmd-8 reply (10011, result 1); a bad group id
// gets 10012 instead of J-IM's silent close. Members hear cmd 9 only when someone new joins.
void CommandService::on_join(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto o = proto::parse_object(body);
    const std::string group(o ? proto::get_string(*o, "groupId").value_or("") : "");
    if (!auth::valid_user_id(group)) {
        reply(peer, proto::code(Command::join_group_resp),
              group_reply(Command::join_group_resp, status::kJoinGroupFailed, group, 0,
                          "groupId must be 1-64 characters without control characters or ':'"));
        return;
    }
    if (groups_.is_member(group, peer.user())) {  // nothing changes, nobody is told
        reply(peer, proto::code(Command::join_group_resp),
              group_reply(Command::join_group_resp, status::kJoinGroupOk, group, 1));
        return;
    }
    const bool policed = options_.groups_by_invitation || options_.group_max_members != 0;
    // With a store the group's durable members are read first: memory holds only the groups of
    // the users seen since the start (or, on a cluster, seen on this node), and the joiner's
    // messages must reach every member. The policies count them too. The answer comes back to
    // this worker and continues if the session is still open.
    if (store_ == nullptr || !ctx.with_session) {
        decide_join(peer, group, policed ? groups_.members(group).size() : 0);
        return;
    }
    store_->members(
        group, [this, &ctx, session = peer.ref(), group](Result<std::vector<std::string>> members) {
            ctx.post([this, &ctx, session, group, members = std::move(members)] {
                if (members) {
                    for (const auto& m : *members) groups_.join(group, m);
                }
                ctx.with_session(session, [&](Peer& p) {
                    if (!members) {
                        reply(p, proto::code(Command::join_group_resp),
                              group_reply(Command::join_group_resp, status::kJoinGroupFailed, group,
                                          0, "the group's members could not be read"));
                        return;
                    }
                    decide_join(p, group, members->size());
                });
            });
        });
}

// Applies groups.join and groups.max_members to a join of a group with `members` members (two
// joins racing for the last place may both get it: the cap is a guard, not an exact count).
void CommandService::decide_join(Peer& peer, const std::string& group, std::size_t members) {
    const auto refuse = [&](int result, std::string_view reason) {
        reply(
            peer, proto::code(Command::join_group_resp),
            group_reply(Command::join_group_resp, status::kJoinGroupFailed, group, result, reason));
    };
    if (options_.groups_by_invitation) {
        if (members == 0) return refuse(kJoinNotExist, "no such group");
        return refuse(kJoinRefused, "this group is joined by invitation: ask its owner");
    }
    if (options_.group_max_members != 0 && members >= options_.group_max_members) {
        return refuse(kJoinGroupFull, "the group is full");
    }
    join_group(group, peer.user());
    notify_presence(peer.user(), true, group);
    reply(peer, proto::code(Command::join_group_resp),
          group_reply(Command::join_group_resp, status::kJoinGroupOk, group, 1));
}

// cmd 21 (jim extension): leave a group for good. The remaining members and the leaver's
// sessions get cmd 10; the leaver gets cmd 22.
void CommandService::on_leave(Peer& peer, std::string_view body) {
    const auto o = proto::parse_object(body);
    const std::string group(o ? proto::get_string(*o, "groupId").value_or("") : "");
    if (!groups_.is_member(group, peer.user())) {
        reply(peer, proto::code(Command::leave_group_resp),
              group_reply(Command::leave_group_resp, status::kInvalidVerification, group, 0,
                          "not a member of this group"));
        return;
    }
    notify_presence(peer.user(), false, group);
    leave_group(group, peer.user());
    reply(peer, proto::code(Command::leave_group_resp),
          group_reply(Command::leave_group_resp, status::kOk, group, 1));
}

}  // namespace jim::service
