// Presence to interested peers: the groups of a user (cmd 9/10 with J-IM's exact shapes, spec
// §5.6, or a rate-limited count for large groups) and the users who list it as a friend
// (cmd 29, docs/protocol.md).

#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

// cmd 9 {"code":10011,"command":9,"group":…,"msg":…,"user":{…,"status":"online",…}} or
// cmd 10 {"command":10,"data":{"group":…,"user":{…,"status":"offline",…}}}, per group. A group
// above presence_max_group_list gets its count instead (send_group_count), rate-limited.
void CommandService::notify_presence(std::string_view user, bool online,
                                     std::string_view only_group) {
    const std::string who = user_json(user, online ? "online" : "offline");
    const auto groups = only_group.empty() ? groups_.groups_of(user)
                                           : std::vector<std::string>{std::string(only_group)};
    for (const auto& g : groups) {
        if (groups_.member_count(g) > options_.presence_max_group_list) {
            if (counts_.changed(g, clock_.now_ms())) send_group_count(g);
            continue;
        }
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

// cmd 29 {"command":29,"data":{"group":…,"online":N,"total":M}} to every online member: one
// encoded body shared by all of them. Counting walks the members once (a registry lookup each),
// which the rate limit bounds to once per interval per group.
void CommandService::send_group_count(const std::string& group) {
    const auto members = groups_.members(group);
    std::size_t online = 0;
    for (const auto& m : members) online += delivery_.online(m) ? 1 : 0;
    std::string body = "{\"command\":29,\"data\":{\"group\":";
    proto::append_json_string(body, group);
    body += ",\"online\":" + std::to_string(online) +
            ",\"total\":" + std::to_string(members.size()) + "}}";
    const SharedBytes shared = SharedBytes::copy_of(body);
    for (const auto& m : members)
        delivery_.send_to_user(m, proto::code(Command::presence), shared, {});
}

// cmd 29 {"command":29,"data":{"user":{…,"status":"online"|"offline",…}}} to the online users
// whose contact list holds `user` (its followers, read from the store).
void CommandService::notify_friends(const std::string& user, bool online, WorkerContext& ctx) {
    if (store_ == nullptr) return;
    store_->followers(
        user, [this, post = ctx.post, user, online](Result<std::vector<std::string>> followers) {
            if (!followers || followers->empty()) return;
            post([this, user, online, followers = std::move(*followers)] {
                std::string body = "{\"command\":29,\"data\":{\"user\":";
                body += user_json(user, online ? "online" : "offline");
                body += "}}";
                const SharedBytes shared = SharedBytes::copy_of(body);
                for (const auto& f : followers) {
                    delivery_.send_to_user(f, proto::code(Command::presence), shared, {});
                }
            });
        });
}

void CommandService::user_offline(std::string_view user, WorkerContext& ctx) {
    if (delivery_.online(user)) return;  // still on another node of the cluster
    notify_presence(user, false);
    notify_friends(std::string(user), false, ctx);
}

void CommandService::tick() {
    for (const auto& g : counts_.take_due(clock_.now_ms())) send_group_count(g);
}

}  // namespace jim::service
