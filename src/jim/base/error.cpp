#include "jim/base/error.hpp"

#include <array>
#include <string>

namespace jim {
namespace {

// The single mapping table (CONVENTIONS: "one table maps each error"). Order follows Errc.
constexpr std::array<ErrorInfo, kErrcCount> kErrors{{
    {Errc::ok, "ok", 10000, 1000, 200},
    {Errc::bad_version, "bad_version", 10013, 1002, 400},
    {Errc::unknown_command, "unknown_command", 10014, 1002, 400},
    {Errc::bad_length, "bad_length", 10013, 1002, 400},
    {Errc::body_too_large, "body_too_large", 10002, 1009, 413},
    {Errc::head_too_large, "head_too_large", 0, 1009, 431},
    {Errc::bad_http_head, "bad_http_head", 0, 1002, 400},
    {Errc::tls_unavailable, "tls_unavailable", 0, 1002, 400},
    {Errc::bad_json, "bad_json", 10002, 1007, 400},
    {Errc::missing_field, "missing_field", 10002, 1008, 400},
    {Errc::bad_chat_type, "bad_chat_type", 10002, 1008, 400},
    {Errc::not_logged_in, "not_logged_in", 10010, 1008, 401},
    {Errc::impersonation, "impersonation", 10010, 1008, 403},
    {Errc::login_failed, "login_failed", 10008, 1008, 401},
    {Errc::no_handler, "no_handler", 10017, 1003, 404},
    {Errc::forbidden, "forbidden", 10010, 1008, 403},
    {Errc::unsupported, "unsupported", 10017, 1003, 501},
    {Errc::ws_protocol, "ws_protocol", 0, 1002, 400},
    {Errc::message_too_big, "message_too_big", 0, 1009, 413},
    {Errc::bad_utf8, "bad_utf8", 0, 1007, 400},
    {Errc::bad_handshake, "bad_handshake", 0, 1002, 400},
    {Errc::store_full, "store_full", 10002, 1011, 507},
    {Errc::store_error, "store_error", 10002, 1011, 500},
    {Errc::rate_limited, "rate_limited", 10002, 1008, 429},
    {Errc::not_found, "not_found", 10002, 1008, 404},
    {Errc::recall_too_late, "recall_too_late", 10010, 1008, 403},
    {Errc::rejected, "rejected", 10002, 1008, 403},
    {Errc::peer_closed, "peer_closed", 0, 1000, 200},
    {Errc::io_error, "io_error", 0, 1011, 500},
    {Errc::login_timeout, "login_timeout", 0, 1008, 408},
    {Errc::idle_timeout, "idle_timeout", 0, 1001, 408},
    {Errc::slow_consumer, "slow_consumer", 0, 1008, 503},
    {Errc::too_many_connections, "too_many_connections", 0, 1013, 503},
    {Errc::connection_rate, "connection_rate", 0, 1013, 429},
    {Errc::kicked, "kicked", 10021, 1000, 200},
    {Errc::replaced, "replaced", 10021, 1000, 409},
    {Errc::server_shutdown, "server_shutdown", 0, 1001, 503},
}};

static_assert(kErrors.size() == kErrcCount, "kErrors must list every Errc");
constexpr bool rows_follow_errc_order() {
    for (std::size_t i = 0; i < kErrors.size(); ++i) {
        if (static_cast<std::size_t>(kErrors[i].errc) != i) return false;
    }
    return true;
}
static_assert(rows_follow_errc_order(), "kErrors rows must follow Errc order");

class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "jim"; }
    std::string message(int ev) const override {
        return std::string(error_info(static_cast<Errc>(ev)).name);
    }
};

}  // namespace

const boost::system::error_category& jim_category() noexcept {
    static const Category category;
    return category;
}

const ErrorInfo& error_info(Errc e) noexcept {
    auto i = static_cast<std::size_t>(e);
    return i < kErrors.size() ? kErrors[i] : kErrors[0];
}

}  // namespace jim
