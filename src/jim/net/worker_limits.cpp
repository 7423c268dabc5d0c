// Per-connection limits that need no per-connection allocation: the message rate (a GCRA token
// bucket in one 32-bit field) and the outbox watermarks that pause reading from a slow consumer.
// Connection-count limits are checked before a connection exists (Server::admit, IpLimiter).

#include <boost/asio/post.hpp>

#include <chrono>

#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/replies.hpp"

namespace jim::net {

void Worker::count_refused(Errc reason) {
    stats_.add(stats_.accepted);
    stats_.add(stats_.closed[static_cast<std::size_t>(reason)]);
}

// Rate time: 1/16 ms since the worker started, wrapping every ~3.1 days (see admit_message).
std::uint32_t Worker::rate_now() const noexcept {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - epoch_)
                        .count();
    return static_cast<std::uint32_t>(us * 16 / 1000);
}

// GCRA (the "virtual scheduling" token bucket): rate_tat is the time the bucket would be full
// again; each message moves it one interval later. With a burst of B messages (one second's
// worth, B intervals = rate_tolerance_), B messages at once are accepted, the next B are refused
// with a status, and the one after closes the connection: the client ignored the refusals.
// Refused messages cost an interval too, so only a client that slows down recovers.
// rate_tat lives in 32 bits: a value outside what a live bucket can reach (two bursts ahead) is
// from before a wrap, i.e. long idle, and counts as "now".
bool Worker::admit_message(Connection& c, std::uint8_t command) {
    if (rate_interval_ == 0) return true;
    const std::uint32_t now = rate_now();
    std::uint32_t excess = c.rate_tat - now;  // modulo 2^32: a bucket in the past looks huge
    if (excess > 2 * rate_tolerance_) excess = 0;
    c.rate_tat = now + excess + rate_interval_;
    if (excess + rate_interval_ <= rate_tolerance_) return true;
    stats_.add(stats_.rate_limited);
    if (excess + rate_interval_ > 2 * rate_tolerance_) {
        fail(c, Errc::rate_limited);
        return false;
    }
    const auto& info = error_info(Errc::rate_limited);
    const auto answer = proto::reply_command(static_cast<proto::Command>(command));
    send(c, proto::code(answer),
         SharedBytes::copy_of(proto::status_reply(answer, info.status, info.name)));
    return false;
}

void Worker::check_high_water(Connection& c) {
    if (c.read_paused || c.out_bytes <= server_.options().outbox_high_water) return;
    c.read_paused = true;  // on_readable stops at its next read
    stats_.add(stats_.read_pauses);
}

void Worker::check_low_water(Connection& c) {
    if (!c.read_paused || c.out_bytes > server_.options().outbox_low_water) return;
    c.read_paused = false;
    if (c.state != Connection::State::open || c.read_armed) return;  // a pending read resumes
    // Read again from the top: TLS may hold decrypted bytes the socket will never signal.
    c.read_armed = true;
    boost::asio::post(io_, [this, slot = c.slot, gen = c.generation] { on_readable(slot, gen); });
}

}  // namespace jim::net
