// J-IM's three routes (kept paths and {"code","msg"} bodies, spec §4.3) and the first jim
// additions for listing users and sessions. See docs/http-api.md.

#include <boost/json/parse.hpp>

#include <charconv>

#include "jim/api/routes.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"
#include "jim/store/message_store.hpp"

namespace jim::api {
namespace http = boost::beast::http;
namespace status = proto::status;

namespace {

constexpr std::size_t kDefaultListLimit = 1000;
constexpr std::size_t kMaxListLimit = 100000;

std::size_t list_limit(const Call& c) {
    const auto s = c.query("limit");
    std::size_t n = kDefaultListLimit;
    if (s) std::from_chars(s->data(), s->data() + s->size(), n);
    return std::min(n, kMaxListLimit);
}

// The userid query parameter, or a 400 answer and nullopt.
std::optional<std::string> need_user(const Call& c) {
    auto user = c.query("userid");
    if (!user || user->empty()) {
        c.json(http::status::bad_request,
               resp_body(status::kInvalidVerification, {}, "userid is required"));
        return std::nullopt;
    }
    return user;
}

}  // namespace

// {"online":…,"sessions":[{"protocol":"tcp","worker":0},…],"userId":"…"}
std::string sessions_json(Backend& backend, std::string_view user) {
    const auto sessions = backend.sessions(user);
    std::string body = "{\"online\":";
    body += sessions.empty() ? "false" : "true";
    body += ",\"sessions\":[";
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        if (i != 0) body += ',';
        body += "{\"protocol\":";
        proto::append_json_string(body, sessions[i].protocol);
        body += ",\"worker\":" + std::to_string(sessions[i].worker) + "}";
    }
    body += "],\"userId\":";
    proto::append_json_string(body, user);
    body += '}';
    return body;
}

// The business backend sends as any user: `from` names the sender and is required.
void message_send(Call& c) {
    boost::system::error_code ec;
    std::string from;
    {
        boost::json::value v = boost::json::parse(c.req.body(), ec);
        if (!ec && v.is_object()) {
            from.assign(proto::get_string(v.get_object(), "from").value_or(""));
        }
    }
    if (from.empty()) {
        c.json(http::status::bad_request,
               resp_body(status::kSendFailed, {},
                         "the body must be a ChatBody JSON object with from"));
        return;
    }
    c.backend.send_chat(from, c.req.body(), [c](service::ChatOutcome out) {
        if (out.error != Errc::ok) {
            c.json(http::status::bad_request, resp_body(out.code, {}, out.reason));
            return;
        }
        std::string data = "{\"createTime\":" + std::to_string(out.create_time) + ",\"id\":";
        proto::append_json_string(data, out.id);
        data += ",\"seq\":" + std::to_string(out.seq) + '}';
        c.json(http::status::ok, resp_body(out.code, data));
    });
}

void user_online(Call& c) {
    const auto user = need_user(c);
    if (!user) return;
    c.json(http::status::ok,
           resp_body(c.backend.online(*user) ? status::kOnline : status::kOffline));
}

void user_close(Call& c) {
    const auto user = need_user(c);
    if (!user) return;
    const std::size_t n = c.backend.kick(*user);
    c.json(http::status::ok, resp_body(status::kCloseOk, "{\"closed\":" + std::to_string(n) + "}"));
}

void users_online(Call& c) {
    std::string body = "{\"count\":" + std::to_string(c.backend.online_count()) + ",\"users\":[";
    bool first = true;
    for (const auto& u : c.backend.online_users(list_limit(c))) {
        if (!first) body += ',';
        first = false;
        proto::append_json_string(body, u);
    }
    body += "]}";
    c.json(http::status::ok, std::move(body));
}

void user_sessions(Call& c) {
    const auto user = need_user(c);
    if (!user) return;
    c.json(http::status::ok, sessions_json(c.backend, *user));
}

// POST /api/message/recall {"id":…,"seq":N,"groupId":g} or {"id":…,"seq":N,"from":a,"to":b}:
// the admin recalls any message at any time (docs/http-api.md).
void message_recall(Call& c) {
    const auto bad = [&](std::string_view why) {
        c.json(http::status::bad_request, resp_body(status::kSendFailed, {}, why));
    };
    const auto o = proto::parse_object(c.req.body());
    if (!o || c.req.body().empty()) return bad("the body must be a JSON object");
    const auto id = proto::get_string(*o, "id");
    const auto seq = proto::get_int(*o, "seq");
    if (!id || id->empty() || !seq || *seq <= 0) return bad("id and seq (> 0) are required");
    service::RecallTarget target;
    target.seq = static_cast<std::uint64_t>(*seq);
    target.id.assign(*id);
    const auto group = proto::get_string(*o, "groupId").value_or("");
    const auto from = proto::get_string(*o, "from").value_or("");
    const auto to = proto::get_string(*o, "to").value_or("");
    if (!group.empty()) {
        target.conversation = store::group_conversation(group);
    } else if (!from.empty() && !to.empty()) {
        target.conversation = store::private_conversation(from, to);
    } else {
        return bad("groupId, or from and to, name the conversation");
    }
    c.backend.recall(std::move(target), [c](service::RecallOutcome out) {
        if (out.error != Errc::ok) {
            c.json(static_cast<http::status>(error_info(out.error).http),
                   resp_body(out.code, {}, out.reason));
            return;
        }
        c.json(http::status::ok, resp_body(status::kOk, out.body));
    });
}

}  // namespace jim::api
