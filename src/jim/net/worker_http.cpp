// HTTP/1.1 with keep-alive on the shared port, parsed by Boost.Beast; requests go to the
// api::HttpApi. One request is answered at a time per connection: while a response is pending,
// later (pipelined) bytes wait in pending_in.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "jim/api/http_api.hpp"
#include "jim/net/conn_extra.hpp"
#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/net/worker_internal.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::net {
namespace http = boost::beast::http;

std::size_t Worker::parse_http(Connection& c, std::span<char> data) {
    std::size_t off = 0;
    while (c.state == Connection::State::open && !c.http_busy && off < data.size()) {
        auto& ex = extra(c);
        if (!ex.http) {
            ex.http = std::make_unique<decltype(ex.http)::element_type>();
            ex.http->header_limit(static_cast<std::uint32_t>(server_.options().max_http_head));
            ex.http->body_limit(server_.options().max_http_body);
            ex.http->eager(true);
        }
        boost::system::error_code ec;
        const std::size_t n =
            ex.http->put(boost::asio::buffer(data.data() + off, data.size() - off), ec);
        off += n;
        if (ec == http::error::need_more) break;
        if (ec) {
            http_error(c, ec == http::error::header_limit ? Errc::head_too_large
                          : ec == http::error::body_limit ? Errc::body_too_large
                                                          : Errc::bad_http_head);
            return data.size();
        }
        if (!ex.http->is_done()) {
            if (n == 0) break;
            continue;
        }
        api::Request req = ex.http->release();
        ex.http.reset();
        release_extra_if_empty(c);
        stats_.add(stats_.frames_in);
        // An upgrade on a kept-alive HTTP connection (browsers and Node pool connections).
        if (!req[http::field::sec_websocket_key].empty()) {
            ws_accept(c, req.base());
            if (c.state != Connection::State::open) return data.size();
            return off + parse_ws(c, data.subspan(off));
        }

        c.http_busy = true;
        boost::system::error_code ep_ec;
        const auto remote = c.socket.remote_endpoint(ep_ec);
        const bool loopback = !ep_ec && remote.address().is_loopback();
        const bool head = req.method() == http::verb::head;
        in_http_dispatch_ = true;
        server_.api().handle(req, loopback,
                             [this, slot = c.slot, gen = c.generation, head](api::Response res) {
                                 Connection* conn = find(slot, gen);
                                 if (conn == nullptr) return;
                                 const bool keep = res.keep_alive();
                                 send_raw(*conn, SharedBytes::copy_of(api::serialize(res, head)));
                                 conn->http_busy = false;
                                 if (!keep) {
                                     close_after_flush(*conn, Errc::ok);
                                 } else if (!in_http_dispatch_) {
                                     resume_input(*conn);  // answered later: continue the input
                                 }
                             });
        in_http_dispatch_ = false;
    }
    return c.state == Connection::State::open ? off : data.size();
}

// A request the parser refuses: a JSON error with the status from the error table, then close.
void Worker::http_error(Connection& c, Errc reason) {
    const auto& info = error_info(reason);
    std::string body = "{\"error\":";
    proto::append_json_string(body, info.name);
    body += '}';
    const std::string response =
        "HTTP/1.1 " + std::to_string(info.http) +
        (info.http == 431   ? " Request Header Fields Too Large"
         : info.http == 413 ? " Content Too Large"
                            : " Bad Request") +
        "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    send_raw(c, SharedBytes::copy_of(response));
    close_after_flush(c, reason);
}

}  // namespace jim::net
