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
    std::size_t reached = 0;
    for (const auto& member : groups_.members(group)) {
        reached += delivery_.send_to_user(member, command, body, exclude);
    }
    return reached;
}

// cmd 7 (spec §6.4), fixed: the joiner gets a cmd-8 reply (10011, result 1); a bad group id
// gets 10012 instead of J-IM's silent close. Members hear cmd 9 only when someone new joins.
void CommandService::on_join(Peer& peer, std::string_view body) {
    const auto o = proto::parse_object(body);
    const std::string group(o ? proto::get_string(*o, "groupId").value_or("") : "");
    if (!auth::valid_user_id(group)) {
        reply(peer, proto::code(Command::join_group_resp),
              group_reply(Command::join_group_resp, status::kJoinGroupFailed, group, 0,
                          "groupId must be 1-64 characters without control characters or ':'"));
        return;
    }
    const bool joined = !groups_.is_member(group, peer.user());
    join_group(group, peer.user());
    if (joined) notify_presence(peer.user(), true, group);
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
