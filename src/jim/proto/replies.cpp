#include "jim/proto/replies.hpp"

#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"

namespace jim::proto {

std::string status_reply(Command command, int code, std::string_view reason,
                         std::string_view data_json) {
    std::string out;
    out.reserve(96 + reason.size() + data_json.size());
    out += "{\"code\":";
    out += std::to_string(code);
    out += ",\"command\":";
    out += std::to_string(static_cast<int>(command));
    if (!data_json.empty()) {
        out += ",\"data\":";
        out += data_json;
    }
    out += ",\"msg\":";
    append_json_string(out, status_msg(code));
    if (!reason.empty()) {
        out += ",\"reason\":";
        append_json_string(out, reason);
    }
    out += '}';
    return out;
}

std::string push(Command command, std::string_view data_json) {
    std::string out;
    out.reserve(24 + data_json.size());
    out += "{\"command\":";
    out += std::to_string(static_cast<int>(command));
    out += ",\"data\":";
    out += data_json;
    out += '}';
    return out;
}

std::string_view heartbeat_reply() noexcept {
    return R"({"command":13,"data":{"hbbyte":-128}})";
}

std::string_view handshake_reply() noexcept {
    return R"({"command":2,"data":{"hbyte":-127}})";
}

void append_user_json(std::string& out, const User& user, std::string_view status,
                      std::string_view terminal) {
    bool first = true;
    auto member = [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        out += first ? "{\"" : ",\"";
        first = false;
        out += name;
        out += "\":";
        append_json_string(out, value);
    };
    member("avatar", user.avatar);
    member("nick", user.nick);
    member("sign", user.sign);
    member("status", status);
    member("terminal", terminal);
    member("userId", user.user_id);
    out += first ? "{}" : "}";
}

std::string login_ok_reply(const User& user, std::string_view terminal) {
    std::string out = "{\"code\":10007,\"command\":6,\"msg\":";
    append_json_string(out, status_msg(status::kLoginOk));
    out += ",\"user\":";
    append_user_json(out, user, "online", terminal);
    out += '}';
    return out;
}

namespace {
constexpr std::string_view kPushPrefix = "{\"command\":11,\"data\":";
}  // namespace

SharedBytes shared_chat_push(std::string_view chat_body_json) {
    return SharedBytes::concat({kPushPrefix, chat_body_json, "}"});
}

std::string chat_push(std::string_view chat_body_json) {
    std::string out;
    out.reserve(chat_body_json.size() + kPushPrefix.size() + 1);
    out += kPushPrefix;
    out += chat_body_json;
    out += '}';
    return out;
}

// Built in one buffer: this is one of the two messages every chat produces.
std::string chat_ack(int code, std::string_view id, std::int64_t create_time, std::uint64_t seq) {
    const std::string_view msg = status_msg(code);
    std::string out;
    out.reserve(96 + id.size() + msg.size());
    out += "{\"code\":";
    out += std::to_string(code);
    out += ",\"command\":12,\"data\":{\"createTime\":";
    out += std::to_string(create_time);
    out += ",\"id\":";
    append_json_string(out, id);
    if (seq != 0) {
        out += ",\"seq\":";
        out += std::to_string(seq);
    }
    out += "},\"msg\":";
    append_json_string(out, msg);
    out += '}';
    return out;
}

}  // namespace jim::proto
