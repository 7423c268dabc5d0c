// Admin routes for users (bans), sessions, message history and server statistics.
// See docs/http-api.md and docs/openapi.yaml.

#include <charconv>

#include "jim/api/routes.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/store/message_store.hpp"

namespace jim::api {
namespace http = boost::beast::http;

std::string sessions_json(Backend& backend, std::string_view user);  // routes_jim.cpp

namespace {

template <class T>
std::optional<T> number(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    T v{};
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
    return v;
}

// The conversation named by ?groupId=G or ?userId=A&peerId=B; nullopt (and a 400 sent) if none.
std::optional<std::string> conversation_of_query(Call& c) {
    const auto group = c.query("groupId");
    const auto user = c.query("userId");
    const auto peer = c.query("peerId");
    if (group && !group->empty()) return store::group_conversation(*group);
    if (user && peer && auth::valid_user_id(*user) && auth::valid_user_id(*peer)) {
        return store::private_conversation(*user, *peer);
    }
    c.error(http::status::bad_request, "bad_query",
            "name a conversation: groupId, or userId and peerId");
    return std::nullopt;
}

}  // namespace

// POST /api/users/{userId}/ban  {"reason":"…"} (optional): refuses logins and closes sessions.
void user_ban(Call& c) {
    const std::string user = c.param("userId");
    std::string reason;
    if (!c.req.body().empty()) {
        const auto o = proto::parse_object(c.req.body());
        if (!o) return c.error(http::status::bad_request, "bad_body", "the body must be JSON");
        reason.assign(proto::get_string(*o, "reason").value_or(""));
    }
    const std::size_t sessions = c.backend.sessions(user).size();
    c.backend.service().ban(user, reason, c.backend.context(), [c, user, sessions](Result<bool> r) {
        if (!r)
            return c.error(http::status::internal_server_error, "store_error", r.error().message());
        std::string body =
            "{\"banned\":true,\"closed\":" + std::to_string(sessions) + ",\"userId\":";
        proto::append_json_string(body, user);
        c.json(http::status::ok, body + "}");
    });
}

// DELETE /api/users/{userId}/ban
void user_unban(Call& c) {
    const std::string user = c.param("userId");
    c.backend.service().unban(user, c.backend.context(), [c, user](Result<bool> r) {
        if (!r)
            return c.error(http::status::internal_server_error, "store_error", r.error().message());
        if (!*r) return c.error(http::status::not_found, "not_found", "the user is not banned");
        std::string body = "{\"banned\":false,\"userId\":";
        proto::append_json_string(body, user);
        c.json(http::status::ok, body + "}");
    });
}

// GET /api/users/banned
void users_banned(Call& c) {
    std::string body = "{\"users\":[";
    bool first = true;
    for (const auto& [user, reason] : c.backend.service().bans().list()) {
        body += first ? "{\"reason\":" : ",{\"reason\":";
        first = false;
        proto::append_json_string(body, reason);
        body += ",\"userId\":";
        proto::append_json_string(body, user);
        body += '}';
    }
    c.json(http::status::ok, body + "]}");
}

// GET /api/users/{userId}/sessions
void sessions_list(Call& c) {
    c.json(http::status::ok, sessions_json(c.backend, c.param("userId")));
}

// DELETE /api/users/{userId}/sessions: closes every session of the user (it may log in again).
void sessions_kick(Call& c) {
    const std::size_t n = c.backend.kick(c.param("userId"));
    c.json(http::status::ok, "{\"closed\":" + std::to_string(n) + "}");
}

// GET /api/messages?groupId=G | ?userId=A&peerId=B [&afterSeq=N][&beginTime=&endTime=]
//     [&offset=][&limit=]: a conversation's history, oldest first.
void messages_history(Call& c) {
    store::MessageStore* store = c.backend.service().store();
    if (store == nullptr) {
        return c.error(http::status::not_implemented, "no_store",
                       "store.engine = \"none\": nothing is stored");
    }
    store::HistoryQuery q;
    auto conversation = conversation_of_query(c);
    if (!conversation) return;
    q.conversation = std::move(*conversation);
    const auto after = c.query("afterSeq");
    const auto begin = c.query("beginTime");
    const auto end = c.query("endTime");
    const auto offset = c.query("offset");
    const auto limit = c.query("limit");
    if ((after && !number<std::uint64_t>(after)) || (begin && !number<std::int64_t>(begin)) ||
        (end && !number<std::int64_t>(end)) || (offset && !number<std::size_t>(offset)) ||
        (limit && !number<std::size_t>(limit)) || begin.has_value() != end.has_value()) {
        return c.error(http::status::bad_request, "bad_query",
                       "afterSeq, offset and limit are numbers; beginTime and endTime go together");
    }
    q.after_seq = number<std::uint64_t>(after);
    q.begin_time = number<std::int64_t>(begin);
    q.end_time = number<std::int64_t>(end);
    q.offset = number<std::size_t>(offset).value_or(0);
    q.limit = std::min<std::size_t>(number<std::size_t>(limit).value_or(100), 1000);
    store->history(std::move(q), [c, post = c.backend.context().post](
                                     Result<std::vector<store::MessageRecord>> r) {
        post([c, r = std::move(r)] {
            if (!r) {
                return c.error(http::status::internal_server_error, "store_error",
                               r.error().message());
            }
            std::string body = "{\"messages\":[";
            for (std::size_t i = 0; i < r->size(); ++i) {
                if (i != 0) body += ',';
                body += (*r)[i].body;
            }
            c.json(http::status::ok, body + "]}");
        });
    });
}

// DELETE /api/messages/{seq}?groupId=G | ?userId=A&peerId=B, &id=ID: deletes the message for
// good; the conversation's online sessions get a cmd-16 push marked "deleted".
void message_delete(Call& c) {
    if (c.backend.service().store() == nullptr) {
        return c.error(http::status::not_implemented, "no_store",
                       "store.engine = \"none\": nothing is stored");
    }
    const auto seq = number<std::uint64_t>(std::optional<std::string>(c.param("seq")));
    const auto id = c.query("id");
    if (!seq || *seq == 0 || !id || id->empty()) {
        return c.error(http::status::bad_request, "bad_query",
                       "the path names the seq (> 0) and ?id= the message's id");
    }
    auto conversation = conversation_of_query(c);
    if (!conversation) return;
    service::RecallTarget target{std::move(*conversation), *seq, *id, {}};
    c.backend.service().delete_message(
        std::move(target), c.backend.context(), [c, seq = *seq](service::RecallOutcome out) {
            if (out.error == Errc::not_found) {
                return c.error(http::status::not_found, "not_found", out.reason);
            }
            if (out.error != Errc::ok) {
                return c.error(static_cast<http::status>(error_info(out.error).http),
                               error_info(out.error).name, out.reason);
            }
            std::string body = "{\"already\":" + std::string(out.already ? "true" : "false") +
                               ",\"deleted\":true,\"seq\":" + std::to_string(seq) + "}";
            c.json(http::status::ok, std::move(body));
        });
}

// GET /api/stats
void server_stats(Call& c) {
    c.json(http::status::ok, c.backend.stats_json());
}

}  // namespace jim::api
