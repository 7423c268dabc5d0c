#include "jim/api/http_api.hpp"

#include <openssl/crypto.h>
#include <boost/beast/http/field.hpp>

#include <algorithm>

#include "jim/api/query.hpp"
#include "jim/api/routes.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"

namespace jim::api {
namespace http = boost::beast::http;

namespace {

using enum http::verb;

// Splits "/api/a/b" into {"api","a","b"}.
std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const auto end = std::min(path.find('/', i), path.size());
        out.push_back(path.substr(i, end - i));
        i = end;
    }
    return out;
}

// Whether `path` fits the template; fills the captures. Literal segments must match exactly.
bool match(std::string_view pattern, const std::vector<std::string_view>& parts,
           std::vector<std::pair<std::string, std::string>>& params) {
    const auto want = segments(pattern);
    if (want.size() != parts.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
            if (parts[i].empty()) return false;
            params.emplace_back(want[i].substr(1, want[i].size() - 2), parts[i]);
        } else if (want[i] != parts[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

// The single list of API routes: requests are matched against it and docs/openapi.yaml is
// checked against it (tests/integration/openapi_test.cpp). A path with fewer {captures} wins
// over one with more, so /api/users/banned is never read as a user id.
const std::vector<Route>& route_table() {
    static const std::vector<Route> table{
        // J-IM's routes (kept paths and bodies) and the first jim additions.
        {post, "/api/message/send", message_send},
        {get, "/api/user/online", user_online},
        {post, "/api/user/online", user_online},
        {post, "/api/user/close", user_close},
        {get, "/api/users/online", users_online},
        {get, "/api/user/sessions", user_sessions},
        {post, "/api/message/recall", message_recall},
        // Profiles and contact lists (people_routes.cpp).
        {get, "/api/user/profile", user_profile},
        {put, "/api/user/profile", user_profile},
        {post, "/api/user/profile", user_profile},
        {get, "/api/user/friends", user_friends},
        {post, "/api/user/friends", user_friends},
        {delete_, "/api/user/friends", user_friends},
        // Users and sessions.
        {get, "/api/users/banned", users_banned},
        {post, "/api/users/{userId}/ban", user_ban},
        {delete_, "/api/users/{userId}/ban", user_unban},
        {get, "/api/users/{userId}/sessions", sessions_list},
        {delete_, "/api/users/{userId}/sessions", sessions_kick},
        // Groups.
        {post, "/api/groups", group_create},
        {get, "/api/groups/{groupId}", group_get},
        {patch, "/api/groups/{groupId}", group_update},
        {delete_, "/api/groups/{groupId}", group_dissolve},
        {post, "/api/groups/{groupId}/members", group_add_members},
        {delete_, "/api/groups/{groupId}/members/{userId}", group_remove_member},
        // Messages and the server.
        {get, "/api/messages", messages_history},
        {delete_, "/api/messages/{seq}", message_delete},
        {get, "/api/stats", server_stats},
    };
    return table;
}

std::vector<RouteInfo> api_routes() {
    std::vector<RouteInfo> out;
    for (const auto& r : route_table()) {
        out.push_back({std::string(http::to_string(r.method)), std::string(r.path)});
    }
    return out;
}

std::string Call::param(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return {};
}

std::optional<std::string> Call::query(std::string_view name) const {
    return query_param(req.target(), name);
}

void Call::json(http::status status, std::string body) const {
    respond(json_response(req, status, std::move(body)));
}

void Call::error(http::status status, std::string_view error, std::string_view message) const {
    respond(json_error(req, status, error, message));
}

std::string resp_body(int code, std::string_view data_json, std::string_view reason) {
    std::string out = "{\"code\":" + std::to_string(code);
    if (!data_json.empty()) {
        out += ",\"data\":";
        out += data_json;
    }
    out += ",\"msg\":";
    proto::append_json_string(out, proto::status_msg(code));
    if (!reason.empty()) {
        out += ",\"reason\":";
        proto::append_json_string(out, reason);
    }
    out += '}';
    return out;
}

HttpApi::HttpApi(ApiOptions options, Backend& backend)
    : options_(std::move(options)), backend_(backend), files_(options_.static_root) {}

bool HttpApi::authorized(const Request& req, bool loopback) const {
    if (options_.key.empty()) return loopback;
    const std::string_view auth = req[http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() != kBearer.size() + options_.key.size() || auth.substr(0, 7) != kBearer) {
        return false;
    }
    return CRYPTO_memcmp(auth.data() + kBearer.size(), options_.key.data(), options_.key.size()) ==
           0;
}

void HttpApi::refuse(const Request& req, std::function<void(Response)>& respond) const {
    if (options_.key.empty()) {
        respond(json_error(req, http::status::forbidden, "forbidden",
                           "no api.key is configured: the API answers loopback clients only"));
        return;
    }
    auto res = json_error(req, http::status::unauthorized, "unauthorized",
                          "send Authorization: Bearer <api.key>");
    res.set(http::field::www_authenticate, "Bearer");
    respond(std::move(res));
}

void HttpApi::handle(const Request& req, bool loopback, std::function<void(Response)> respond) {
    const auto path = decoded_path(req.target());
    if (!path) {
        respond(json_error(req, http::status::bad_request, "bad_target", "invalid request target"));
        return;
    }
    if (path->rfind("/api/", 0) == 0) {
        if (!authorized(req, loopback)) return refuse(req, respond);
        handle_api(req, *path, respond);
        return;
    }
    if (handle_ops(req, *path, loopback, respond)) return;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        respond(method_not_allowed(req, "GET, HEAD"));
        return;
    }
    respond(files_.serve(req, *path));
}

void HttpApi::handle_api(const Request& req, const std::string& path,
                         std::function<void(Response)>& respond) {
    const auto parts = segments(path);
    const Route* best = nullptr;
    std::size_t best_captures = 0;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::pair<std::string, std::string>> best_params;
    std::string allow;
    for (const auto& r : route_table()) {
        if (!match(r.path, parts, params)) continue;
        if (r.method != req.method()) {
            const auto name = http::to_string(r.method);
            if (allow.find(name) == std::string::npos) {
                if (!allow.empty()) allow += ", ";
                allow += name;
            }
            continue;
        }
        if (best == nullptr || params.size() < best_captures) {
            best = &r;
            best_captures = params.size();
            best_params = params;
        }
    }
    if (best == nullptr) {
        if (!allow.empty()) return respond(method_not_allowed(req, allow));
        return respond(json_error(req, http::status::not_found, "not_found", "no such API route"));
    }
    Call call{req, std::move(best_params), backend_, respond};
    best->handler(call);
}

}  // namespace jim::api
