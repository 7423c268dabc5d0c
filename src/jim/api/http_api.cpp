#include "jim/api/http_api.hpp"

#include <openssl/crypto.h>
#include <boost/beast/http/field.hpp>

#include <boost/json/parse.hpp>

#include <charconv>

#include "jim/api/query.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"

namespace jim::api {
namespace http = boost::beast::http;
namespace status = proto::status;

namespace {

constexpr std::size_t kDefaultListLimit = 1000;
constexpr std::size_t kMaxListLimit = 100000;

// {"code":C,[data,]"msg":"…"[,"reason":"…"]}: J-IM's RespBody without "command" (spec §4.3).
std::string resp_body(int code, std::string_view data_json = {}, std::string_view reason = {}) {
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

std::size_t list_limit(const Request& req) {
    const auto s = query_param(req.target(), "limit");
    std::size_t n = kDefaultListLimit;
    if (s) std::from_chars(s->data(), s->data() + s->size(), n);
    return std::min(n, kMaxListLimit);
}

}  // namespace

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
    const auto method = req.method();
    const auto user = query_param(req.target(), "userid");
    const auto need_user = [&]() {
        respond(json_response(req, http::status::bad_request,
                              resp_body(status::kInvalidVerification, {}, "userid is required")));
    };

    if (path == "/api/message/send") {
        if (method != http::verb::post) return respond(method_not_allowed(req, "POST"));
        // The business backend sends as any user: `from` names the sender and is required.
        boost::system::error_code ec;
        std::string from;
        {
            boost::json::value v = boost::json::parse(req.body(), ec);
            if (!ec && v.is_object()) {
                from.assign(proto::get_string(v.get_object(), "from").value_or(""));
            }
        }
        if (from.empty()) {
            respond(json_response(req, http::status::bad_request,
                                  resp_body(status::kSendFailed, {},
                                            "the body must be a ChatBody JSON object with from")));
            return;
        }
        backend_.send_chat(from, req.body(), [req, respond](service::ChatOutcome out) {
            if (out.error != Errc::ok) {
                respond(json_response(req, http::status::bad_request,
                                      resp_body(out.code, {}, out.reason)));
                return;
            }
            std::string data = "{\"createTime\":" + std::to_string(out.create_time) + ",\"id\":";
            proto::append_json_string(data, out.id);
            data += '}';
            respond(json_response(req, http::status::ok, resp_body(out.code, data)));
        });
        return;
    }
    if (path == "/api/message/recall") {
        if (method != http::verb::post) return respond(method_not_allowed(req, "POST"));
        return handle_recall(req, respond);
    }
    if (path == "/api/user/online") {
        if (method != http::verb::get && method != http::verb::post) {
            return respond(method_not_allowed(req, "GET, POST"));
        }
        if (!user || user->empty()) return need_user();
        respond(
            json_response(req, http::status::ok,
                          resp_body(backend_.online(*user) ? status::kOnline : status::kOffline)));
        return;
    }
    if (path == "/api/user/close") {
        if (method != http::verb::post) return respond(method_not_allowed(req, "POST"));
        if (!user || user->empty()) return need_user();
        const std::size_t n = backend_.kick(*user);
        respond(
            json_response(req, http::status::ok,
                          resp_body(status::kCloseOk, "{\"closed\":" + std::to_string(n) + "}")));
        return;
    }
    if (path == "/api/users/online") {
        if (method != http::verb::get) return respond(method_not_allowed(req, "GET"));
        std::string body = "{\"count\":" + std::to_string(backend_.online_count()) + ",\"users\":[";
        bool first = true;
        for (const auto& u : backend_.online_users(list_limit(req))) {
            if (!first) body += ',';
            first = false;
            proto::append_json_string(body, u);
        }
        body += "]}";
        respond(json_response(req, http::status::ok, std::move(body)));
        return;
    }
    if (path == "/api/user/sessions") {
        if (method != http::verb::get) return respond(method_not_allowed(req, "GET"));
        if (!user || user->empty()) return need_user();
        const auto sessions = backend_.sessions(*user);
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
        proto::append_json_string(body, *user);
        body += '}';
        respond(json_response(req, http::status::ok, std::move(body)));
        return;
    }
    if (handle_people(req, path, respond)) return;
    respond(json_error(req, http::status::not_found, "not_found", "no such API route"));
}

// POST /api/message/recall {"id":…,"seq":N,"groupId":g} or {"id":…,"seq":N,"from":a,"to":b}:
// the admin recalls any message at any time (docs/http-api.md).
void HttpApi::handle_recall(const Request& req, std::function<void(Response)>& respond) {
    const auto bad = [&](std::string_view why) {
        respond(
            json_response(req, http::status::bad_request, resp_body(status::kSendFailed, {}, why)));
    };
    const auto o = proto::parse_object(req.body());
    if (!o || req.body().empty()) return bad("the body must be a JSON object");
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
    backend_.recall(std::move(target), [req, respond](service::RecallOutcome out) {
        if (out.error != Errc::ok) {
            respond(json_response(req, static_cast<http::status>(error_info(out.error).http),
                                  resp_body(out.code, {}, out.reason)));
            return;
        }
        respond(json_response(req, http::status::ok, resp_body(status::kOk, out.body)));
    });
}

}  // namespace jim::api
