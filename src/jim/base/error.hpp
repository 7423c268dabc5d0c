#pragma once
// Domain errors of jim and the one table that maps each to what every protocol says about it.
//
// Fallible calls return boost::system::result<T> carrying a jim::Errc; untrusted input never
// throws. Thread: any (everything here is immutable).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jim {

enum class Errc : std::uint8_t {
    ok = 0,
    // Framing (codec) errors: the connection is closed.
    bad_version,      // TCP frame whose first byte is not 0x01
    unknown_command,  // TCP command byte outside the known range
    bad_length,       // negative TCP body length
    body_too_large,   // declared body length above limits.max_body_bytes
    head_too_large,   // HTTP request head above limits.max_http_head_bytes
    bad_http_head,    // first bytes are neither TCP nor an HTTP request line
    tls_unavailable,  // TLS ClientHello while TLS is not configured
    // Command errors: answered with a status, the connection stays open.
    bad_json,         // body is not a JSON object
    missing_field,    // a required member is absent or empty
    bad_chat_type,    // chatType not 1 or 2
    not_logged_in,    // command needs a logged-in session
    impersonation,    // "from" differs from the session's user
    login_failed,     // authenticator refused the credentials
    no_handler,       // a known command code without a handler
    forbidden,        // the session may not act on that user or group
    unsupported,      // a feature this build does not offer yet
    ws_protocol,      // a WebSocket frame breaks RFC 6455 (unmasked, RSV, opcode, control)
    message_too_big,  // a WebSocket message (fragments included) above its limit
    bad_utf8,         // a WebSocket text message that is not UTF-8
    bad_handshake,    // a WebSocket upgrade request that RFC 6455 does not allow
    store_full,       // the store's disk is full: nothing was stored
    store_error,      // any other store failure: nothing was stored
    rate_limited,     // above limits.max_messages_per_s: refused; far above it: closed
    not_found,        // the message (or other object) named does not exist (or has expired)
    recall_too_late,  // the sender's recall came after chat.recall_window
    rejected,         // the moderation hook refused the message (or was down, hook.fail_open off)
    // Close reasons that are not protocol errors (counted by reason, never answered).
    peer_closed,           // the peer closed or reset the connection
    io_error,              // a socket error other than a reset
    login_timeout,         // no successful login within limits.login_timeout_ms
    idle_timeout,          // nothing received within server.heartbeat_timeout_ms
    slow_consumer,         // the outbox grew past its hard cap
    too_many_connections,  // limits.max_connections or max_connections_per_ip reached
    connection_rate,       // limits.max_new_connections_per_ip_per_s exceeded
    kicked,                // closed by the user's own close command on another session, or the API
    replaced,              // closed by a newer login of the same user (session.kick_policy)
    server_shutdown,       // the server is stopping
};

inline constexpr std::size_t kErrcCount = static_cast<std::size_t>(Errc::server_shutdown) + 1;

const boost::system::error_category& jim_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), jim_category()};
}

template <class T>
using Result = boost::system::result<T>;

// How each error is reported per protocol. status = J-IM ImStatus code (0: none, close silently),
// ws_close = RFC 6455 close code, http = HTTP status.
struct ErrorInfo {
    Errc errc;
    std::string_view name;  // stable, used as close reason and metric label
    int status;
    std::uint16_t ws_close;
    std::uint16_t http;
};

const ErrorInfo& error_info(Errc e) noexcept;

}  // namespace jim

template <>
struct boost::system::is_error_code_enum<jim::Errc> : std::true_type {};
