#pragma once
// The HTTP API's routes: the table (http_api.cpp) and the handlers it names. Internal to jim_api.
// Thread: handlers run on the worker that parsed the request.

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jim/api/http_api.hpp"
#include "jim/api/http_util.hpp"

namespace jim::api {

// One request on its way through a handler.
struct Call {
    Request req;  // a copy: handlers may answer after the caller's request is gone
    std::vector<std::pair<std::string, std::string>> params;  // {name} captures of the path
    Backend& backend;
    std::function<void(Response)> respond;

    std::string param(std::string_view name) const;
    std::optional<std::string> query(std::string_view name) const;
    void json(boost::beast::http::status status, std::string body) const;
    void error(boost::beast::http::status status, std::string_view error,
               std::string_view message) const;
};

using Handler = void (*)(Call&);

struct Route {
    boost::beast::http::verb method;
    std::string_view path;  // "/api/groups/{groupId}/members"
    Handler handler;
};

// The table every request is matched against (and api_routes() lists).
const std::vector<Route>& route_table();

// {"code":C,[data,]"msg":"…"[,"reason":"…"]}: J-IM's RespBody without "command" (spec §4.3).
std::string resp_body(int code, std::string_view data_json = {}, std::string_view reason = {});

// J-IM's routes and the first user routes (routes_jim.cpp).
void message_send(Call& c);
void user_online(Call& c);
void user_close(Call& c);
void users_online(Call& c);
void user_sessions(Call& c);
void message_recall(Call& c);

// Profiles and contact lists (people_routes.cpp).
void user_profile(Call& c);
void user_friends(Call& c);

// Admin routes (routes_admin.cpp, routes_groups.cpp).
void user_ban(Call& c);
void user_unban(Call& c);
void users_banned(Call& c);
void sessions_list(Call& c);
void sessions_kick(Call& c);
void group_create(Call& c);
void group_get(Call& c);
void group_update(Call& c);
void group_dissolve(Call& c);
void group_add_members(Call& c);
void group_remove_member(Call& c);
void messages_history(Call& c);
void message_delete(Call& c);
void server_stats(Call& c);

}  // namespace jim::api
