#pragma once
// State a connection needs only sometimes, allocated on demand so an idle TCP or WebSocket
// session stays at sizeof(Connection): TLS (for the life of a TLS connection), the HTTP parser
// (while a request is being read) and a WebSocket message being reassembled from fragments.
// Owner: Connection::extra. Thread: owning worker only.

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>
#include <string>

#include "jim/codec/ws_frame.hpp"
#include "jim/net/tls.hpp"

namespace jim::net {

struct ConnExtra {
    std::optional<TlsSession> tls;
    // Its own allocation (~290 B): a TLS connection keeps ConnExtra for life, and should not
    // carry an idle parser's bytes (bench/tls_memory_bench.cpp).
    std::unique_ptr<boost::beast::http::request_parser<boost::beast::http::string_body>> http;
    std::string ws_message;  // fragments of the WebSocket message in progress
    // text/binary while a fragmented message is in progress, else continuation
    codec::ws::Opcode ws_fragment = codec::ws::Opcode::continuation;

    bool empty() const noexcept {
        return !tls && !http && ws_message.empty() &&
               ws_fragment == codec::ws::Opcode::continuation;
    }
};

}  // namespace jim::net
