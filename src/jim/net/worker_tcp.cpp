// Protocol detection and the J-IM binary TCP protocol (spec §1.2, §2).

#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/replies.hpp"

namespace jim::net {

// Returns how many bytes were consumed; the rest is an unfinished frame, head or request.
std::size_t Worker::parse(Connection& c, std::span<char> data) {
    if (c.protocol == codec::Protocol::unknown) {
        const auto& o = server_.options();
        const auto d =
            codec::detect(std::span<const char>(data.data(), data.size()), o.max_http_head);
        using S = codec::DetectResult::Status;
        if (d.status == S::need_more) return 0;
        if (d.status == S::error) {
            if (d.error == Errc::head_too_large) {
                http_error(c, d.error);  // it looked like HTTP: say 431
            } else {
                destroy(c, d.error);  // not a protocol we speak: close without a word
            }
            return data.size();
        }
        switch (d.protocol) {
            case codec::Protocol::tcp:
                set_protocol(c, codec::Protocol::tcp);
                break;
            case codec::Protocol::websocket:
                return ws_upgrade(c, data, d.head_size);
            case codec::Protocol::http:
                set_protocol(c, codec::Protocol::http);
                break;
            default:
                // TLS inside TLS, or TLS while no certificate is configured.
                destroy(c, Errc::tls_unavailable);
                return data.size();
        }
    }
    switch (c.protocol) {
        case codec::Protocol::tcp:
            return parse_tcp(c, data);
        case codec::Protocol::websocket:
            return parse_ws(c, data);
        case codec::Protocol::http:
            return parse_http(c, data);
        default:
            return data.size();
    }
}

std::size_t Worker::parse_tcp(Connection& c, std::span<char> data) {
    const auto& limits = server_.options().tcp;
    std::size_t off = 0;
    while (c.state == Connection::State::open && off < data.size()) {
        const auto r = codec::tcp::decode(data.subspan(off), limits);
        if (r.status == codec::tcp::Status::need_more) {
            if (r.needed > 0 && !c.pending_in.empty()) c.pending_in.reserve(r.needed);
            break;
        }
        if (r.status == codec::tcp::Status::error) {
            fail(c, r.error);
            return data.size();
        }
        off += r.consumed;
        stats_.add(stats_.frames_in);
        if (!admit_message(c, r.frame.command)) continue;
        if (r.frame.has_syn_seq && r.frame.syn_seq > 0) {
            stats_.add(stats_.syn_seq_dropped);  // an "answer" to a request we never send
            continue;
        }
        dispatch(c, r.frame.command, r.frame.body);
    }
    return off;
}

// A framing error: tell the peer which status it hit (J-IM closed silently), then close.
void Worker::fail(Connection& c, Errc reason) {
    const auto& info = error_info(reason);
    if (info.status != 0) {
        send(c, proto::code(proto::Command::unknown),
             SharedBytes::copy_of(
                 proto::status_reply(proto::Command::unknown, info.status, info.name)));
    }
    close_after_flush(c, reason);
}

}  // namespace jim::net
