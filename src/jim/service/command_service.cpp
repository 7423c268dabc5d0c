#include "jim/service/command_service.hpp"

#include <boost/json/serialize.hpp>

#include <memory>

#include "jim/proto/chat.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

namespace {

bool allowed_before_login(Command c) noexcept {
    switch (c) {
        case Command::handshake_req:
        case Command::auth_req:
        case Command::login_req:
        case Command::heartbeat_req:
        case Command::close_req:
            return true;
        default:
            return false;
    }
}

bool has_handler(Command c) noexcept {
    switch (c) {
        case Command::handshake_req:
        case Command::auth_req:
        case Command::login_req:
        case Command::heartbeat_req:
        case Command::close_req:
        case Command::chat_req:
        case Command::join_group_req:
        case Command::get_user_req:
        case Command::get_message_req:
        case Command::leave_group_req:
        case Command::cancel_msg_req:
        case Command::delivered_req:
        case Command::read_req:
        case Command::recent_req:
            return true;
        default:
            return false;
    }
}

}  // namespace

void CommandService::reply(Peer& peer, std::uint8_t command, std::string_view json) {
    peer.send(command, SharedBytes::copy_of(json));
}

void CommandService::handle(Peer& peer, WorkerContext& ctx, std::uint8_t command,
                            std::string_view body) {
    const auto cmd = static_cast<Command>(command);
    if (!has_handler(cmd)) {
        ctx.stats.error(Errc::no_handler);
        reply(peer, proto::code(Command::unknown),
              proto::status_reply(Command::unknown, status::kUnknownCmd));
        return;
    }
    if (peer.user().empty() && !allowed_before_login(cmd)) {
        ctx.stats.error(Errc::not_logged_in);
        const Command answer = proto::reply_command(cmd);
        reply(peer, proto::code(answer),
              proto::status_reply(answer, status::kAuthFailed, "login required"));
        return;
    }
    switch (cmd) {
        case Command::handshake_req:
            reply(peer, proto::code(Command::handshake_resp), proto::handshake_reply());
            break;
        case Command::heartbeat_req:
            reply(peer, proto::code(Command::heartbeat_req), proto::heartbeat_reply());
            break;
        case Command::auth_req:
            on_auth(peer, body);
            break;
        case Command::login_req:
            on_login(peer, ctx, body);
            break;
        case Command::close_req:
            on_close(peer, body);
            break;
        case Command::chat_req:
            on_chat(peer, ctx, body);
            break;
        case Command::join_group_req:
            on_join(peer, ctx, body);
            break;
        case Command::leave_group_req:
            on_leave(peer, body);
            break;
        case Command::get_user_req:
            on_get_user(peer, ctx, body);
            break;
        case Command::get_message_req:
            on_get_message(peer, ctx, body);
            break;
        case Command::cancel_msg_req:
            on_recall(peer, ctx, body);
            break;
        case Command::delivered_req:
            on_delivered(peer, body);
            break;
        case Command::read_req:
            on_read(peer, ctx, body);
            break;
        case Command::recent_req:
            on_recent(peer, ctx, body);
            break;

        default:
            break;  // unreachable: has_handler() above
    }
}

// cmd 3: J-IM's auth verifies nothing; it echoes the request with "authKey" appended to the
// token (spec §6.2). Kept for wire compatibility; real authentication is login (cmd 5).
void CommandService::on_auth(Peer& peer, std::string_view body) {
    auto parsed = proto::parse_object(body);
    if (!parsed) {
        reply(peer, proto::code(Command::auth_resp),
              proto::status_reply(Command::auth_resp, status::kAuthFailed, "body is not JSON"));
        return;
    }
    auto& o = *parsed;
    o.erase("cmd");
    const auto token = proto::get_string(o, "token");
    o["token"] = std::string(token.value_or("")) + "authKey";
    reply(peer, proto::code(Command::auth_resp),
          proto::status_reply(Command::auth_resp, status::kAuthOk, {}, boost::json::serialize(o)));
}

// cmd 5 (spec §6.3). A refused login is answered with 10008 and the connection is closed, as in
// J-IM; a malformed body is refused the same way.
void CommandService::on_login(Peer& peer, WorkerContext& ctx, std::string_view body) {
    auth::Credentials creds;
    std::string reason;
    if (const auto parsed = proto::parse_object(body)) {
        const auto& o = *parsed;
        creds.user_id.assign(proto::get_string(o, "userId").value_or(""));
        const auto password = proto::get_string(o, "password");
        creds.has_password = password.has_value();
        creds.password.assign(password.value_or(""));
        creds.token.assign(proto::get_string(o, "token").value_or(""));
    } else {
        reason = "body is not JSON";
    }
    if (!reason.empty()) {
        finish_login(peer, ctx, auth::AuthResult{Errc::login_failed, {}, std::move(reason)});
        return;
    }
    if (!auth_.asynchronous()) {
        finish_login(peer, ctx, auth_.authenticate(creds));
        return;
    }
    // A backend that does I/O answers later on another thread: come home, then resume the
    // session if it is still open (it may have closed while the backend thought).
    auth_.authenticate_async(
        std::move(creds), [this, &ctx, session = peer.ref()](auth::AuthResult result) {
            ctx.post([this, &ctx, session, result = std::move(result)] {
                ctx.with_session(session, [&](Peer& p) { finish_login(p, ctx, result); });
            });
        });
}

// The rest of cmd 5 once the authenticator has answered: refuse (10008, then close) or bind
// the session, join groups, notify, reply and push offline messages.
void CommandService::finish_login(Peer& peer, WorkerContext& ctx, const auth::AuthResult& result) {
    const auto ban = result.error == Errc::ok ? bans_.reason(result.user.user_id) : std::nullopt;
    if (result.error != Errc::ok || ban) {
        ctx.stats.error(Errc::login_failed);
        const std::string why = ban ? (ban->empty() ? "banned" : "banned: " + *ban) : result.reason;
        reply(peer, proto::code(Command::login_resp),
              proto::status_reply(Command::login_resp, status::kLoginFailed, why));
        peer.close(Errc::login_failed);
        return;
    }
    const std::size_t sessions = peer.bind_user(result.user);
    apply_kick_policy(peer);
    remember_login_profile(result.user);
    // The rest waits for the user's memberships (read back from the store once per process)
    // and its stored profile, so notifications show its nick. Both reads are queued at once (one
    // store run, not two round trips); the second to finish continues, on this worker.
    auto finish = [this, &ctx, session = peer.ref(), user = result.user,
                   terminal = std::string(peer.terminal()), sessions] {
        for (const auto& g : options_.default_groups) join_group(g, user.user_id);
        // The user's groups and friends hear that it came online (cmd 9, cmd 29) when its
        // first device arrives; like J-IM, cmd 9 reaches the new session too, before its
        // cmd-6 reply (spec §6.3).
        if (sessions == 1) {
            notify_presence(user.user_id, true);
            notify_friends(user.user_id, true, ctx);
        }
        publish_session(EventType::user_online, user.user_id, terminal, sessions);
        delivery_.send_to_session(session, proto::code(Command::login_resp),
                                  SharedBytes::copy_of(proto::login_ok_reply(user, terminal)));
        if (store_ != nullptr && options_.push_offline_on_login) {
            push_offline(session, user.user_id, ctx);
        }
    };
    auto left = std::make_shared<int>(2);
    auto one_done = [left, finish = std::move(finish)] {
        if (--*left == 0) finish();
    };
    load_memberships(result.user.user_id, ctx, one_done);
    load_profiles({result.user.user_id}, ctx, one_done);
}

// session.kick_policy: the sessions of this user that logged in before this one and share its
// terminal (same_terminal) or all of them (single) are told why (cmd 14, 10021, data.policy)
// and closed. Only older sessions are closed, in the registry's login order, so two logins
// racing on different workers cannot close each other.
void CommandService::apply_kick_policy(Peer& peer) {
    const KickPolicy policy = options_.kick_policy;
    if (policy == KickPolicy::none) return;
    const auto mine = peer.ref();
    std::string notice;
    for (const auto& s : delivery_.sessions_of(peer.user())) {
        if (s.ref == mine) break;  // everything after this one logged in later
        if (policy == KickPolicy::same_terminal && s.terminal != peer.terminal()) continue;
        if (notice.empty()) {
            std::string data = "{\"policy\":";
            proto::append_json_string(data, kick_policy_name(policy));
            data += ",\"terminal\":";
            proto::append_json_string(data, peer.terminal());
            data += '}';
            notice = proto::status_reply(Command::close_req, status::kCloseOk,
                                         "replaced by a newer login of this user", data);
        }
        delivery_.send_to_session(s.ref, proto::code(Command::close_req),
                                  SharedBytes::copy_of(notice));
        delivery_.close_session(s.ref, Errc::replaced);
    }
}

void CommandService::session_ended(std::string_view user, std::string_view terminal,
                                   std::size_t remaining, WorkerContext& ctx) {
    if (remaining == 0) user_offline(user, ctx);
    publish_session(EventType::user_offline, user, terminal, remaining);
}

// {"sessions":N,"terminal":"tcp","userId":"…"}
void CommandService::publish_session(EventType type, std::string_view user,
                                     std::string_view terminal, std::size_t sessions) {
    if (!wants(type)) return;
    std::string data = "{\"sessions\":" + std::to_string(sessions) + ",\"terminal\":";
    proto::append_json_string(data, terminal);
    data += ",\"userId\":";
    proto::append_json_string(data, user);
    data += '}';
    options_.events->publish(type, std::move(data));
}

// cmd 14 (spec §6.9), fixed: a session may close itself or every session of its own user, never
// another user's (§11.1 #1).
void CommandService::on_close(Peer& peer, std::string_view body) {
    const auto close_reply = [&](int code, std::string_view why = {}) {
        reply(peer, proto::code(Command::close_req),
              proto::status_reply(Command::close_req, code, why));
    };
    const auto parsed = proto::parse_object(body);
    if (!parsed) {
        close_reply(status::kInvalidVerification, "body is not JSON");
        return;
    }
    const auto target = proto::get_string(*parsed, "userId");
    if (!target || target->empty()) {
        close_reply(status::kCloseOk);
        peer.close(Errc::ok);
        return;
    }
    if (*target != peer.user()) {
        close_reply(status::kInvalidVerification, "a session may only close its own user");
        return;
    }
    close_reply(status::kCloseOk);
    peer.close(Errc::ok);
    delivery_.close_user(*target, Errc::ok);
}

}  // namespace jim::service
