// Admin routes for groups: create, read, rename, set owner, add/remove members, dissolve.
// Changes go through the command service (group_admin.cpp), so members hear of them (cmd 9/10),
// memberships and the group's info are stored (the answer waits for the info to be durable)
// and webhooks see them. Every route reads the group from the store first, so it works after a
// restart and on every node of a cluster. See docs/http-api.md and docs/openapi.yaml.

#include "jim/api/routes.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::api {
namespace http = boost::beast::http;

namespace {

// {"groupId":…,"members":[…],"name":…,"online":N,"owner":…}
std::string group_json(Backend& backend, std::string_view group, const service::GroupView& view) {
    std::string body = "{\"groupId\":";
    proto::append_json_string(body, group);
    body += ",\"members\":[";
    std::size_t online = 0;
    bool first = true;
    for (const auto& m : view.members) {
        if (!first) body += ',';
        first = false;
        proto::append_json_string(body, m);
        online += backend.online(m) ? 1 : 0;
    }
    body += "],\"name\":";
    proto::append_json_string(body, view.info.name.empty() ? group : view.info.name);
    body += ",\"online\":" + std::to_string(online) + ",\"owner\":";
    proto::append_json_string(body, view.info.owner);
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

std::optional<std::string> as_string(const std::optional<std::string_view>& v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

void no_group(const Call& c) {
    c.error(http::status::not_found, "not_found", "no such group");
}

// 500 store_error or 507 store_full: nothing (or not everything) was stored.
void store_failed(const Call& c, const boost::system::error_code& ec) {
    const Errc e = ec == make_error_code(Errc::store_full) ? Errc::store_full : Errc::store_error;
    const ErrorInfo& info = error_info(e);
    c.error(static_cast<http::status>(info.http), info.name, ec.message());
}

}  // namespace

// POST /api/groups {"groupId":G,"name":…,"owner":U,"members":[…]}
void group_create(Call& c) {
    const auto o = proto::parse_object(c.req.body());
    const auto group = o ? proto::get_string(*o, "groupId") : std::nullopt;
    const auto name = o ? proto::get_string(*o, "name") : std::nullopt;
    const auto owner = o ? proto::get_string(*o, "owner") : std::nullopt;
    auto members = o ? id_list(*o, "members") : std::nullopt;
    if (!group || !auth::valid_user_id(*group) || !valid_optional_id(owner) || !members) {
        return c.error(http::status::bad_request, "bad_body",
                       "groupId is required; owner and members are valid user ids");
    }
    service::GroupInfo info{std::string(name.value_or("")), std::string(owner.value_or(""))};
    c.backend.service().create_group(
        std::string(*group), std::move(info), std::move(*members), c.backend.context(),
        [c, group = std::string(*group)](Result<std::optional<service::GroupView>> r) {
            if (!r) return store_failed(c, r.error());
            if (!*r) return c.error(http::status::conflict, "exists", "the group exists already");
            c.json(http::status::created, group_json(c.backend, group, **r));
        });
}

// GET /api/groups/{groupId}
void group_get(Call& c) {
    c.backend.service().read_group(c.param("groupId"), c.backend.context(),
                                   [c, group = c.param("groupId")](Result<service::GroupView> r) {
                                       if (!r) return store_failed(c, r.error());
                                       if (!r->exists) return no_group(c);
                                       c.json(http::status::ok, group_json(c.backend, group, *r));
                                   });
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
    c.backend.service().update_group(group, as_string(name), as_string(owner), c.backend.context(),
                                     [c, group](Result<std::optional<service::GroupView>> r) {
                                         if (!r) return store_failed(c, r.error());
                                         if (!*r) return no_group(c);
                                         c.json(http::status::ok,
                                                group_json(c.backend, group, **r));
                                     });
}

// DELETE /api/groups/{groupId}: every member is removed (and told, cmd 10).
void group_dissolve(Call& c) {
    c.backend.service().dissolve_group(
        c.param("groupId"), c.backend.context(), [c](Result<std::optional<std::size_t>> r) {
            if (!r) return store_failed(c, r.error());
            if (!*r) return no_group(c);
            c.json(http::status::ok, "{\"removed\":" + std::to_string(**r) + "}");
        });
}

// POST /api/groups/{groupId}/members {"userIds":[…]}
void group_add_members(Call& c) {
    const std::string group = c.param("groupId");
    const auto o = proto::parse_object(c.req.body());
    auto users = o ? id_list(*o, "userIds") : std::nullopt;
    if (!users || users->empty()) {
        return c.error(http::status::bad_request, "bad_body", "userIds: valid user ids");
    }
    auto& service = c.backend.service();
    service.read_group(
        group, c.backend.context(),
        [c, &service, group, users = std::move(*users)](Result<service::GroupView> r) {
            if (!r) return store_failed(c, r.error());
            if (!r->exists) return no_group(c);
            std::size_t added = 0;
            for (const auto& u : users) added += service.add_member(group, u) ? 1 : 0;
            r->members = service.groups().members(group);
            std::string body = group_json(c.backend, group, *r);
            body.pop_back();
            c.json(http::status::ok, body + ",\"added\":" + std::to_string(added) + "}");
        });
}

// DELETE /api/groups/{groupId}/members/{userId}
void group_remove_member(Call& c) {
    auto& service = c.backend.service();
    service.read_group(c.param("groupId"), c.backend.context(),
                       [c, &service, group = c.param("groupId"),
                        user = c.param("userId")](Result<service::GroupView> r) {
                           if (!r) return store_failed(c, r.error());
                           if (!service.remove_member(group, user)) {
                               return c.error(http::status::not_found, "not_found",
                                              "not a member of this group");
                           }
                           r->members = service.groups().members(group);
                           c.json(http::status::ok, group_json(c.backend, group, *r));
                       });
}

}  // namespace jim::api
