// /api/user/profile and /api/user/friends: profiles (nick, avatar, sign) and contact lists,
// set by the business backend (docs/http-api.md). Both are written through to the store before
// the answer; friends need a store (501 without one).

#include <boost/beast/http/verb.hpp>

#include "jim/api/http_api.hpp"
#include "jim/api/query.hpp"
#include "jim/api/routes.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::api {
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kMaxProfileField = 4096;  // bytes per nick, avatar or sign
constexpr std::string_view kDefaultCategory = "friends";

Response errc_response(const Request& req, Errc e) {
    const ErrorInfo& info = error_info(e);
    return json_error(
        req, static_cast<http::status>(info.http), info.name,
        e == Errc::unsupported ? "friends need a store (store.engine)" : "store error");
}

// {"avatar":…,"nick":…,"sign":…,"userId":…}; empty members omitted.
std::string profile_body(const std::string& user, const router::Profile& p) {
    std::string out = "{";
    const auto member = [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        proto::append_json_string(out, name);
        out += ':';
        proto::append_json_string(out, value);
        out += ',';
    };
    member("avatar", p.avatar);
    member("nick", p.nick);
    member("sign", p.sign);
    out += "\"userId\":";
    proto::append_json_string(out, user);
    out += '}';
    return out;
}

// The profile members of a request body; nullopt (with `why`) when one is not a short string.
std::optional<router::Profile> parse_profile_body(std::string_view body, std::string& why) {
    const auto o = proto::parse_object(body);
    if (!o) {
        why = "the body must be a JSON object with nick, avatar and/or sign";
        return std::nullopt;
    }
    router::Profile p;
    const std::pair<std::string_view, std::string*> fields[] = {
        {"nick", &p.nick}, {"avatar", &p.avatar}, {"sign", &p.sign}};
    for (const auto& [name, out] : fields) {
        const auto it = o->find(name);
        if (it == o->end() || it->value().is_null()) continue;
        if (!it->value().is_string() || it->value().get_string().size() > kMaxProfileField) {
            why = std::string(name) + " must be a string of at most 4096 bytes";
            return std::nullopt;
        }
        out->assign(it->value().get_string());
    }
    return p;
}

// Answers both routes; the route table has already checked path and method.
bool handle_people(Backend& backend, const Request& req, const std::string& path,
                   std::function<void(Response)>& respond) {
    if (path != "/api/user/profile" && path != "/api/user/friends") return false;
    const auto method = req.method();
    const auto user = query_param(req.target(), "userid");
    if (!user || !auth::valid_user_id(*user)) {
        respond(json_error(req, http::status::bad_request, "missing_field",
                           "userid must be a valid user id"));
        return true;
    }

    if (path == "/api/user/profile") {
        if (method == http::verb::get) {
            backend.get_profile(
                *user, [req, respond, u = *user](Result<std::optional<router::Profile>> p) {
                    if (!p) return respond(errc_response(req, Errc::store_error));
                    if (!*p) {
                        return respond(json_error(req, http::status::not_found, "not_found",
                                                  "no profile set"));
                    }
                    respond(json_response(req, http::status::ok, profile_body(u, **p)));
                });
        } else if (method == http::verb::put || method == http::verb::post) {
            std::string why;
            auto p = parse_profile_body(req.body(), why);
            if (!p) {
                respond(json_error(req, http::status::bad_request, "bad_json", why));
                return true;
            }
            const std::string answer = profile_body(*user, *p);
            backend.set_profile(*user, std::move(*p), [req, respond, answer](Errc e) {
                if (e != Errc::ok) return respond(errc_response(req, e));
                respond(json_response(req, http::status::ok, answer));
            });
        } else {
            respond(method_not_allowed(req, "GET, PUT, POST"));
        }
        return true;
    }

    // /api/user/friends: every answer is the list after the call (reads follow writes in the
    // store, so it includes the change).
    const auto list = [b = &backend, req, respond, u = *user](Errc e) {
        if (e != Errc::ok) return respond(errc_response(req, e));
        b->friends(u, [b, req, respond, u](Result<std::vector<store::Friend>> fs) {
            if (!fs) return respond(errc_response(req, static_cast<Errc>(fs.error().value())));
            std::string body = "{\"friends\":[";
            for (std::size_t i = 0; i < fs->size(); ++i) {
                const store::Friend& f = (*fs)[i];
                body += i == 0 ? "{\"category\":" : ",{\"category\":";
                proto::append_json_string(body, f.category);
                body += b->online(f.user) ? ",\"status\":\"online\"" : ",\"status\":\"offline\"";
                body += ",\"userId\":";
                proto::append_json_string(body, f.user);
                body += '}';
            }
            body += "],\"userId\":";
            proto::append_json_string(body, u);
            body += '}';
            respond(json_response(req, http::status::ok, std::move(body)));
        });
    };
    if (method == http::verb::get) {
        list(Errc::ok);
    } else if (method == http::verb::post) {
        const auto o = proto::parse_object(req.body());
        const std::string friend_id(o ? proto::get_string(*o, "friendId").value_or("") : "");
        const std::string category(o ? proto::get_string(*o, "category").value_or(kDefaultCategory)
                                     : kDefaultCategory);
        if (!auth::valid_user_id(friend_id) || friend_id == *user ||
            !auth::valid_user_id(category)) {
            respond(json_error(req, http::status::bad_request, "bad_json",
                               "the body must be {\"friendId\":…[,\"category\":…]} with valid ids, "
                               "friendId other than userid"));
            return true;
        }
        backend.add_friend(*user, friend_id, category, list);
    } else if (method == http::verb::delete_) {
        const auto friend_id = query_param(req.target(), "friendid");
        if (!friend_id || !auth::valid_user_id(*friend_id)) {
            respond(json_error(req, http::status::bad_request, "missing_field",
                               "friendid must be a valid user id"));
            return true;
        }
        backend.remove_friend(*user, *friend_id, list);
    } else {
        respond(method_not_allowed(req, "GET, POST, DELETE"));
    }
    return true;
}

}  // namespace

void user_profile(Call& c) {
    handle_people(c.backend, c.req, "/api/user/profile", c.respond);
}

void user_friends(Call& c) {
    handle_people(c.backend, c.req, "/api/user/friends", c.respond);
}

}  // namespace jim::api
