// Groups (spec §6.4, §6.5, §6.7): join (cmd 7), leave (cmd 21, a jim extension), get-user
// (cmd 17), and the join/exit notifications (cmd 9/10) with J-IM's exact shapes (spec §5.6).

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

// cmd 9 {"code":10011,"command":9,"group":…,"msg":…,"user":{…,"status":"online",…}} or
// cmd 10 {"command":10,"data":{"group":…,"user":{…,"status":"offline",…}}}, per group.
void CommandService::notify_presence(std::string_view user, bool online,
                                     std::string_view only_group) {
    const std::string who = user_json(user, online ? "online" : "offline");
    const auto groups = only_group.empty() ? groups_.groups_of(user)
                                           : std::vector<std::string>{std::string(only_group)};
    for (const auto& g : groups) {
        std::string body;
        if (online) {
            body = "{\"code\":10011,\"command\":9,\"group\":";
            proto::append_json_string(body, g);
            body += ",\"msg\":";
            proto::append_json_string(body, proto::status_msg(status::kJoinGroupOk));
            body += ",\"user\":" + who + "}";
        } else {
            body = "{\"command\":10,\"data\":{\"group\":";
            proto::append_json_string(body, g);
            body += ",\"user\":" + who + "}}";
        }
        const auto cmd = online ? proto::code(Command::join_group_notify)
                                : proto::code(Command::exit_group_notify);
        send_to_group(g, cmd, SharedBytes::copy_of(body), {});
    }
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

// cmd 17 (spec §6.7): the user with its groups, each listing its members filtered by type
// (0 online, 1 offline, 2 all). Works for type 1, which crashes J-IM. "online" counts the
// group's online members even where the list is cut at max_listed_members.
void CommandService::on_get_user(Peer& peer, std::string_view body) {
    const auto o = proto::parse_object(body);
    const std::int64_t type = o ? proto::get_int(*o, "type").value_or(-1) : -1;
    const std::string user(o ? proto::get_string(*o, "userId").value_or("") : "");
    const auto fail = [&](std::string_view why) {
        reply(peer, proto::code(Command::get_user_resp),
              proto::status_reply(Command::get_user_resp, status::kGetUserFailed, why));
    };
    if (user.empty()) return fail("userId is required");
    if (type < 0 || type > 2) return fail("type must be 0 (online), 1 (offline) or 2 (all)");
    const int code = type == 0   ? status::kGetOnlineUserOk
                     : type == 1 ? status::kGetOfflineUserOk
                                 : status::kGetUserOk;

    std::string data = user_json(user, delivery_.online(user) ? "online" : "offline");
    data.pop_back();  // reopen the object to add "groups"
    data += ",\"groups\":[";
    bool first_group = true;
    for (const auto& g : groups_.groups_of(user)) {
        data += first_group ? "{" : ",{";
        first_group = false;
        data += "\"groupId\":";
        proto::append_json_string(data, g);
        data += ",\"name\":";
        proto::append_json_string(data, groups_.name(g));
        std::string users;
        std::size_t online = 0;
        std::size_t listed = 0;
        for (const auto& m : groups_.members(g)) {
            const bool is_online = delivery_.online(m);
            online += is_online ? 1 : 0;
            const bool wanted = type == 2 || (type == 0) == is_online;
            if (!wanted || listed == options_.max_listed_members) continue;
            users += listed++ == 0 ? "" : ",";
            users += user_json(m, is_online ? "online" : "offline");
        }
        data += ",\"online\":" + std::to_string(online);
        data += ",\"users\":[" + users + "]}";
    }
    data += "]}";
    reply(peer, proto::code(Command::get_user_resp),
          proto::status_reply(Command::get_user_resp, code, {}, data));
}

}  // namespace jim::service
