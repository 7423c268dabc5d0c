// cmd 17 (spec §6.7): a user with its friend categories and its groups, each listing the
// members filtered by type (0 online, 1 offline, 2 all), built from stored data: memberships,
// contact lists and profiles are read back from the store when this process has not seen them
// (an offline user, a restart), and group names always (they are not cached). Works for type
// 1, which crashes J-IM.

#include <map>

#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

namespace {

int get_user_code(std::int64_t type) {
    return type == 0   ? status::kGetOnlineUserOk
           : type == 1 ? status::kGetOfflineUserOk
                       : status::kGetUserOk;
}

bool wanted(std::int64_t type, bool online) {
    return type == 2 || (type == 0) == online;
}

}  // namespace

void CommandService::on_get_user(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto o = proto::parse_object(body);
    const std::int64_t type = o ? proto::get_int(*o, "type").value_or(-1) : -1;
    const std::string user(o ? proto::get_string(*o, "userId").value_or("") : "");
    const auto fail = [&](std::string_view why) {
        reply(peer, proto::code(Command::get_user_resp),
              proto::status_reply(Command::get_user_resp, status::kGetUserFailed, why));
    };
    if (user.empty()) return fail("userId is required");
    if (type < 0 || type > 2) return fail("type must be 0 (online), 1 (offline) or 2 (all)");

    const router::SessionRef session = peer.ref();
    // Memberships first (an offline user's may not be loaded since start), then the contact
    // list, then the profiles of everyone the reply lists.
    load_memberships(user, ctx, [this, &ctx, session, user, type] {
        auto with_friends = [this, &ctx, session, user, type](std::vector<store::Friend> fs) {
            std::vector<std::string> listed{user};
            for (const auto& f : fs) listed.push_back(f.user);
            for (const auto& g : groups_.groups_of(user)) {
                std::size_t n = 0;
                for (auto& m : groups_.members(g)) {
                    if (n == options_.max_listed_members) break;
                    if (!wanted(type, delivery_.online(m))) continue;
                    listed.push_back(std::move(m));
                    ++n;
                }
            }
            load_profiles(std::move(listed), ctx,
                          [this, &ctx, session, user, type, fs = std::move(fs)] {
                              group_names(groups_.groups_of(user), ctx,
                                          [this, session, user, type, fs](const auto& names) {
                                              reply_get_user(session, user, type, fs, names);
                                          });
                          });
        };
        if (store_ == nullptr) return with_friends({});
        store_->friends(
            user, [this, post = ctx.post, session, with_friends = std::move(with_friends)](
                      Result<std::vector<store::Friend>> fs) mutable {
                post([this, session, with_friends = std::move(with_friends), fs = std::move(fs)] {
                    if (fs) return with_friends(std::move(*fs));
                    delivery_.send_to_session(
                        session, proto::code(Command::get_user_resp),
                        SharedBytes::copy_of(proto::status_reply(
                            Command::get_user_resp, status::kGetUserFailed, "store error")));
                });
            });
    });
}

// {"code":…,"command":18,"data":{<User>,"friends":[<category>…],"groups":[<group>…]},…}: a
// category is a Group {"groupId":c,"name":c,"online":N,"users":[…]} of the friends filed
// under c (spec §5.4); "friends" is omitted for a user without friends, like J-IM's null.
// "online" counts the online members even where the list is cut at max_listed_members.
void CommandService::reply_get_user(router::SessionRef session, const std::string& user,
                                    std::int64_t type, const std::vector<store::Friend>& friends,
                                    const std::map<std::string, std::string>& group_names) {
    const auto list = [&](std::string& out, std::string_view id, std::string_view name,
                          auto&& for_each_member) {
        out += "{\"groupId\":";
        proto::append_json_string(out, id);
        out += ",\"name\":";
        proto::append_json_string(out, name);
        std::string users;
        std::size_t online = 0;
        std::size_t listed = 0;
        for_each_member([&](const std::string& m) {
            const bool is_online = delivery_.online(m);
            online += is_online ? 1 : 0;
            if (!wanted(type, is_online) || listed == options_.max_listed_members) return;
            users += listed++ == 0 ? "" : ",";
            users += user_json(m, is_online ? "online" : "offline");
        });
        out += ",\"online\":" + std::to_string(online);
        out += ",\"users\":[" + users + "]}";
    };

    std::string data = user_json(user, delivery_.online(user) ? "online" : "offline");
    data.pop_back();  // reopen the object to add "friends" and "groups"
    if (!friends.empty()) {
        std::map<std::string_view, std::vector<const std::string*>> categories;
        for (const auto& f : friends) categories[f.category].push_back(&f.user);
        data += ",\"friends\":[";
        bool first = true;
        // Not a structured binding: clang 14 (the fuzz preset) cannot capture one in a lambda.
        for (const auto& entry : categories) {
            const auto& members = entry.second;
            data += first ? "" : ",";
            first = false;
            list(data, entry.first, entry.first, [&](auto&& visit) {
                for (const auto* m : members) visit(*m);
            });
        }
        data += "]";
    }
    data += ",\"groups\":[";
    bool first_group = true;
    for (const auto& g : groups_.groups_of(user)) {
        data += first_group ? "" : ",";
        first_group = false;
        const auto name = group_names.find(g);
        list(data, g, name == group_names.end() ? g : name->second, [&](auto&& visit) {
            for (const auto& m : groups_.members(g)) visit(m);
        });
    }
    data += "]}";
    delivery_.send_to_session(session, proto::code(Command::get_user_resp),
                              SharedBytes::copy_of(proto::status_reply(
                                  Command::get_user_resp, get_user_code(type), {}, data)));
}

}  // namespace jim::service
