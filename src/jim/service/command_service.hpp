#pragma once
// Runs client commands (spec §6) with J-IM's JSON shapes and status codes, fixing its defects
// (§11): identity comes from the session, every error gets a status, unknown commands get 10017.
//
// Owner: the Server (one instance, shared by all workers). Thread: any worker; handle() keeps no
// state of its own between calls (per-worker state lives in WorkerContext).

#include <cstdint>
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

class CommandService {
public:
    CommandService(const auth::Authenticator& auth, Delivery& delivery, const Clock& clock)
        : auth_(auth), delivery_(delivery), clock_(clock) {}

    // Handles one decoded command with its JSON body.
    void handle(Peer& peer, WorkerContext& ctx, std::uint8_t command, std::string_view body);

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
