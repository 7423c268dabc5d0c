// Admin routes for groups: create, read, rename, set owner, add/remove members, dissolve.
// Changes go through the command service, so members hear of them (cmd 9/10), memberships are
// stored and webhooks see them. See docs/http-api.md and docs/openapi.yaml.

#include "jim/api/routes.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::api {
namespace http = boost::beast::http;

namespace {

// {"groupId":…,"members":[…],"name":…,"online":N,"owner":…}
std::string group_json(Backend& backend, std::string_view group) {
    auto& groups = backend.service().groups();
    std::string body = "{\"groupId\":";
    proto::append_json_string(body, group);
    body += ",\"members\":[";
    std::size_t online = 0;
    bool first = true;
    for (const auto& m : groups.members(group)) {
        if (!first) body += ',';
        first = false;
        proto::append_json_string(body, m);
        online += backend.online(m) ? 1 : 0;
    }
    body += "],\"name\":";
    proto::append_json_string(body, groups.name(group));
    body += ",\"online\":" + std::to_string(online) + ",\"owner\":";
    proto::append_json_string(body, groups.owner(group));
    return body + "}";
}

// The string array `key` of `o` with valid ids only; nullopt when it is something else.
std::optional<std::vector<std::string>> id_list(const boost::json::object& o,
                                                std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (v == nullptr) return out;
    if (!v->is_array()) return std::nullopt;
    for (const auto& x : v->get_array()) {
        if (!x.is_string() || !auth::valid_user_id(x.get_string())) return std::nullopt;
        out.emplace_back(x.get_string());
    }
    return out;
}

bool valid_optional_id(const std::optional<std::string_view>& id) {
    return !id || id->empty() || auth::valid_user_id(*id);
}

void no_group(const Call& c) {
    c.error(http::status::not_found, "not_found", "no such group");
}

}  // namespace

// POST /api/groups {"groupId":G,"name":…,"owner":U,"members":[…]}
void group_create(Call& c) {
    const auto o = proto::parse_object(c.req.body());
    const auto group = o ? proto::get_string(*o, "groupId") : std::nullopt;
    const auto name = o ? proto::get_string(*o, "name") : std::nullopt;
    const auto owner = o ? proto::get_string(*o, "owner") : std::nullopt;
    const auto members = o ? id_list(*o, "members") : std::nullopt;
    if (!group || !auth::valid_user_id(*group) || !valid_optional_id(owner) || !members) {
        return c.error(http::status::bad_request, "bad_body",
                       "groupId is required; owner and members are valid user ids");
    }
    if (!c.backend.service().create_group(*group, name.value_or(""), owner.value_or(""),
                                          *members)) {
        return c.error(http::status::conflict, "exists", "the group exists already");
    }
    c.json(http::status::created, group_json(c.backend, *group));
}

// GET /api/groups/{groupId}
void group_get(Call& c) {
    const std::string group = c.param("groupId");
    if (!c.backend.service().groups().exists(group)) return no_group(c);
    c.json(http::status::ok, group_json(c.backend, group));
}

// PATCH /api/groups/{groupId} {"name":…,"owner":U}: rename and/or hand over.
void group_update(Call& c) {
    const std::string group = c.param("groupId");
    const auto o = proto::parse_object(c.req.body());
    const auto name = o ? proto::get_string(*o, "name") : std::nullopt;
    const auto owner = o ? proto::get_string(*o, "owner") : std::nullopt;
    if (!o || (owner && !auth::valid_user_id(*owner)) || (!name && !owner)) {
        return c.error(http::status::bad_request, "bad_body",
                       "send name and/or owner (a valid user id)");
    }
    const auto as_string = [](const std::optional<std::string_view>& v) {
        return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
    };
    if (!c.backend.service().update_group(group, as_string(name), as_string(owner))) {
        return no_group(c);
    }
    c.json(http::status::ok, group_json(c.backend, group));
}

// DELETE /api/groups/{groupId}: every member is removed (and told, cmd 10).
void group_dissolve(Call& c) {
    const std::string group = c.param("groupId");
    if (!c.backend.service().groups().exists(group)) return no_group(c);
    const std::size_t n = c.backend.service().dissolve_group(group);
    c.json(http::status::ok, "{\"removed\":" + std::to_string(n) + "}");
}

// POST /api/groups/{groupId}/members {"userIds":[…]}
void group_add_members(Call& c) {
    const std::string group = c.param("groupId");
    const auto o = proto::parse_object(c.req.body());
    const auto users = o ? id_list(*o, "userIds") : std::nullopt;
    if (!users || users->empty()) {
        return c.error(http::status::bad_request, "bad_body", "userIds: valid user ids");
    }
    if (!c.backend.service().groups().exists(group)) return no_group(c);
    std::size_t added = 0;
    for (const auto& u : *users) added += c.backend.service().add_member(group, u) ? 1 : 0;
    std::string body = group_json(c.backend, group);
    body.pop_back();
    c.json(http::status::ok, body + ",\"added\":" + std::to_string(added) + "}");
}

// DELETE /api/groups/{groupId}/members/{userId}
void group_remove_member(Call& c) {
    const std::string group = c.param("groupId");
    if (!c.backend.service().remove_member(group, c.param("userId"))) {
        return c.error(http::status::not_found, "not_found", "not a member of this group");
    }
    c.json(http::status::ok, group_json(c.backend, group));
}

}  // namespace jim::api
