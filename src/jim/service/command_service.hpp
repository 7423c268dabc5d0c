#pragma once
// Runs client commands (spec §6) with J-IM's JSON shapes and status codes, fixing its defects
// (§11): identity comes from the session, every error gets a status, unknown commands get 10017.
//
// Owner: the Server (one instance, shared by all workers). Thread: any worker; handle() keeps no
// state of its own between calls (per-worker state lives in WorkerContext).

#include <cstdint>
#include <string>
#include <string_view>

#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/proto/message_id.hpp"
#include "jim/service/peer.hpp"

namespace jim::service {

// Per-worker mutable state the handlers need. Thread: owning worker only.
struct WorkerContext {
    proto::MessageIdGenerator ids;
};

// What became of one chat message.
struct ChatOutcome {
    Errc error = Errc::ok;
    int code = 0;        // the J-IM status for the sender's ack (10000, 10001, 10002, ...)
    std::string reason;  // when refused
    std::string id;      // server message id, when accepted
    std::int64_t create_time = 0;
};

class CommandService {
public:
    CommandService(const auth::Authenticator& auth, Delivery& delivery, const Clock& clock)
        : auth_(auth), delivery_(delivery), clock_(clock) {}

    // Handles one decoded command with its JSON body.
    void handle(Peer& peer, WorkerContext& ctx, std::uint8_t command, std::string_view body);

    // Validates, completes and routes one chat message from `user` (the session's user, or any
    // user for the HTTP API). `exclude` is the sending session, which gets no copy.
    ChatOutcome send_chat(std::string_view user, std::string_view body, WorkerContext& ctx,
                          router::SessionRef exclude);

private:
    void on_auth(Peer& peer, std::string_view body);
    void on_login(Peer& peer, std::string_view body);
    void on_close(Peer& peer, std::string_view body);
    void on_chat(Peer& peer, WorkerContext& ctx, std::string_view body);
    static void reply(Peer& peer, std::uint8_t command, std::string_view json);

    const auth::Authenticator& auth_;
    Delivery& delivery_;
    const Clock& clock_;
};

}  // namespace jim::service
