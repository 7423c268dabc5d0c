// Graceful shutdown of one worker (Server::stop drives the steps for every worker):
//   1. quiesce: read and accept nothing more; commands already read are still answered, and
//      the store's completions (acks) still reach their sessions;
//   2. shutdown: every client is told (WebSocket close frame 1001 "server_shutdown", TCP close
//      command 14 with status 10021 and reason "server_shutdown"), queued output is written,
//      and the loop stops when the last connection is gone, or when the drain time is up (the
//      rest are cut).

#include <boost/asio/post.hpp>

#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"

namespace jim::net {

namespace asio = boost::asio;

std::future<void> Worker::quiesce() {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(io_, [this, done] {
        quiescing_ = true;
        done->set_value();
    });
    return f;
}

void Worker::post_shutdown(std::chrono::milliseconds drain) {
    asio::post(io_, [this, drain] { shutdown(drain); });
}

void Worker::shutdown(std::chrono::milliseconds drain) {
    quiescing_ = true;
    shutting_down_ = true;
    tick_timer_.cancel();
    for (auto& s : slots_) {
        if (s.conn && s.conn->state == Connection::State::open) say_goodbye(*s.conn);
    }
    drain_timer_.expires_after(drain);
    drain_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        for (auto& s : slots_) {
            if (s.conn && s.conn->state != Connection::State::closed) {
                destroy(*s.conn, Errc::server_shutdown);
            }
        }
        free_closed();  // finishes: no connection is left
    });
    free_closed();  // finishes now if this worker had no connection
}

// A WebSocket gets its close frame from close_after_flush (1001, from the error table); a J-IM
// TCP client gets the close command first, so it knows to reconnect elsewhere or later.
void Worker::say_goodbye(Connection& c) {
    if (c.protocol == codec::Protocol::tcp) {
        send(c, proto::code(proto::Command::close_req),
             SharedBytes::copy_of(proto::status_reply(proto::Command::close_req,
                                                      proto::status::kCloseOk,
                                                      error_info(Errc::server_shutdown).name)));
    }
    close_after_flush(c, Errc::server_shutdown);
}

void Worker::finish_shutdown() {
    stopped_ = true;
    drain_timer_.cancel();
    guard_.reset();
    io_.stop();
}

}  // namespace jim::net
