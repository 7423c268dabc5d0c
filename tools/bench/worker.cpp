#include "worker.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <string_view>

#include "jim/proto/command.hpp"

namespace jim::bench {
namespace {

using proto::code;
using proto::Command;

// Chat content: "<seq: 12 hex>.<send time: 16 hex>.<sender: 8 hex>." then 'x' up to --size.
constexpr std::size_t kSeqAt = 0, kTsAt = 13, kFromAt = 30, kContentMin = 40;
constexpr std::string_view kContentKey = "\"content\":\"";
constexpr std::uint32_t kMaxAttempts = 3;
constexpr std::int64_t kNsPerMs = 1'000'000;

void put_hex(char* p, std::uint64_t v, int width) noexcept {
    for (int i = width - 1; i >= 0; --i, v >>= 4) p[i] = "0123456789abcdef"[v & 15];
}

bool get_hex(const char* p, int width, std::uint64_t& v) noexcept {
    v = 0;
    for (int i = 0; i < width; ++i) {
        const char ch = p[i];
        unsigned d = 0;
        if (ch >= '0' && ch <= '9') {
            d = static_cast<unsigned>(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = static_cast<unsigned>(ch - 'a' + 10);
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    return true;
}

// The stamp jim-bench writes at the start of every content: seq, send time and sender, in hex.
bool parse_stamp(std::string_view body, std::uint64_t& seq, std::uint64_t& ts,
                 std::uint64_t& from) noexcept {
    const auto at = body.find(kContentKey);
    if (at == std::string_view::npos || body.size() < at + kContentKey.size() + kContentMin) {
        return false;
    }
    const char* p = body.data() + at + kContentKey.size();
    return get_hex(p + kSeqAt, 12, seq) && get_hex(p + kTsAt, 16, ts) &&
           get_hex(p + kFromAt, 8, from);
}

void put_dec7(char* p, std::uint32_t v) noexcept {
    for (int i = 6; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
}

int ms_until(std::int64_t now, std::int64_t deadline, int cap) noexcept {
    if (deadline <= now) return 0;
    const std::int64_t ms = (deadline - now + kNsPerMs - 1) / kNsPerMs;
    return static_cast<int>(std::min<std::int64_t>(ms, cap));
}

}  // namespace

std::string Worker::user_id(const std::string& prefix, std::uint32_t index) {
    std::string id = prefix + "-0000000";
    put_dec7(id.data() + prefix.size() + 1, index);
    return id;
}

Worker::Worker(const Options& options, const Protocol& protocol, Share share, std::int64_t start_ns,
               unsigned workers_in_run, ThreadControl& control)
    : options_(options),
      share_(share),
      base_(share.first),
      start_ns_(start_ns),
      control_(control),
      loop_(protocol, *this, share.count, options.tls) {
    server_.sin_family = AF_INET;
    server_.sin_port = htons(options.port);
    if (::inet_pton(AF_INET, options.host.c_str(), &server_.sin_addr) != 1) {
        throw std::runtime_error("--host must be an IPv4 address: " + options.host);
    }
    server2_ = server_;
    if (options.port2 != 0) server2_.sin_port = htons(options.port2);
    if (options.sources > 1) {
        for (std::uint32_t k = 1; k <= options.sources; ++k) {
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl((127u << 24) | k);
            sources_.push_back(a);
        }
    }
    workers_in_run_ = std::max(1u, workers_in_run);
    max_pending_ = std::max(1u, options.max_pending / workers_in_run_);
    result_.first_start_ns = start_ns;
}

void Worker::run() {
    try {
        run_scenario();
    } catch (const std::exception& e) {
        result_.ok = false;
        result_.error = e.what();
    }
    result_.counters.bytes_in = loop_.bytes_in();
    result_.counters.bytes_out = loop_.bytes_out();
    publish();
    for (auto& c : loop_.conns()) loop_.close(c);
    control_.result = std::move(result_);
    control_.done.store(true, std::memory_order_release);
}

void Worker::run_scenario() {
    const auto timeout = static_cast<std::int64_t>(options_.timeout_s * 1e9);
    const bool idle = options_.scenario == Scenario::idle;
    record_connects_ = idle;
    const double rate = idle && options_.rate > 0 ? options_.rate / workers_in_run_ : 0;
    if (fanout() && !enroll_offline_members(start_ns_ + timeout)) return;
    if (!connect_all(start_ns_ + timeout, rate)) return;
    result_.last_done_ns = loop_.now();
    control_.ready_ns.store(loop_.now(), std::memory_order_relaxed);
    control_.ready.store(true, std::memory_order_release);
    const std::int64_t go = wait_go();
    if (go == 0) return;
    switch (options_.scenario) {
        case Scenario::pairs:
        case Scenario::latency:
            run_pairs(go);
            break;
        case Scenario::storm:
            run_storm(go);
            break;
        case Scenario::fanout:
            run_fanout(go);
            break;
        default:
            break;  // idle: go means finish
    }
}

// ---------------------------------------------------------------------------------------------
// Connect and log in every user of this worker, at `rate_per_s` (0 = as fast as max_pending_
// allows). Failed connects are retried kMaxAttempts times; a refused login fails the run.

bool Worker::connect_all(std::int64_t deadline, double rate_per_s) {
    return connect_first(static_cast<std::uint32_t>(loop_.conns().size()), deadline, rate_per_s);
}

// Connects and logs in the first n connections (fanout: and joins the group).
bool Worker::connect_first(std::uint32_t n, std::int64_t deadline, double rate_per_s) {
    auto& conns = loop_.conns();
    connecting_ = true;
    retry_.clear();
    next_ = started_ = pending_ = logged_ = failed_ = 0;
    for (std::uint32_t i = 0; i < n; ++i) conns[i].attempts = 0;
    const std::int64_t phase_start = loop_.refresh_now();
    while (logged_ + failed_ < n) {
        if (control_.abort.load(std::memory_order_relaxed)) return false;
        std::int64_t budget = static_cast<std::int64_t>(max_pending_) - pending_;
        if (rate_per_s > 0) {
            const double elapsed = static_cast<double>(loop_.now() - phase_start) / 1e9;
            const auto allowed = static_cast<std::int64_t>(rate_per_s * elapsed) + 1 - started_;
            budget = std::min(budget, allowed);
        }
        while (budget > 0 && (!retry_.empty() || next_ < n)) {
            std::uint32_t i = 0;
            if (!retry_.empty()) {
                i = retry_.back();
                retry_.pop_back();
            } else {
                i = next_++;
                ++started_;
            }
            start_connect(conns[i]);
            --budget;
        }
        loop_.poll(rate_per_s > 0 || pending_ == 0 ? 1 : 10);
        publish();
        if (loop_.now() > deadline) {
            result_.ok = false;
            result_.error = "connect+login timed out: " + std::to_string(logged_) + " of " +
                            std::to_string(n) + " logged in on one thread";
            return false;
        }
        if (!result_.ok) return false;  // a refused login
    }
    connecting_ = false;
    if (failed_ != 0) {
        result_.ok = false;
        result_.error = std::to_string(failed_) + " connections failed after " +
                        std::to_string(kMaxAttempts) + " attempts";
        return false;
    }
    return true;
}

void Worker::start_connect(Conn& c) {
    ++c.attempts;
    const sockaddr_in* src = sources_.empty() ? nullptr : &sources_[global(c) % sources_.size()];
    const int err = loop_.connect(c, (global(c) & 1u) != 0 ? server2_ : server_, src);
    if (err == 0) {
        ++pending_;
        return;
    }
    ++result_.counters.connect_errors;
    if (c.attempts < kMaxAttempts) {
        retry_.push_back(c.local);
    } else {
        c.state = Conn::State::failed;
        ++failed_;
    }
}

void Worker::on_connected(Conn& c) {
    loop_.protocol().append_login(user_id(options_.prefix, global(c)), "x", c.out);
}

void Worker::on_login_reply(Conn& c, std::string_view body) {
    if (body.find("\"code\":10007") == std::string_view::npos) {
        ++result_.counters.login_errors;
        result_.ok = false;
        result_.error = "login refused: " + std::string(body.substr(0, 200));
        loop_.close(c);
        c.state = Conn::State::failed;
        return;
    }
    if (fanout()) {
        // A member joins the group first; its cmd-8 reply finishes the login.
        loop_.protocol().append_command(code(Command::join_group_req),
                                        R"({"cmd":7,"groupId":")" + options_.prefix + "-group\"}",
                                        c.out);
        c.joining = true;
        loop_.mark_dirty(c);
        return;
    }
    finish_login(c);
}

void Worker::finish_login(Conn& c) {
    c.joining = false;
    c.state = Conn::State::ready;
    ++result_.counters.logged_in;
    ++online_;
    if (connecting_) {
        --pending_;
        ++logged_;
        if (record_connects_) {
            const std::int64_t from = drop_ns_ != 0 ? drop_ns_ : c.started_ns;
            result_.latency.record(
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, loop_.now() - from)));
        }
        result_.last_done_ns = loop_.now();
    }
}

void Worker::on_closed(Conn& c, int err) {
    const bool was_connecting =
        c.state == Conn::State::connecting || c.state == Conn::State::handshaking;
    if (c.state == Conn::State::ready) --online_;
    if (was_connecting) {
        ++result_.counters.connect_errors;
    } else if (err == -1) {
        ++result_.counters.protocol_errors;
    } else {
        ++result_.counters.closed;
    }
    const bool in_phase = was_connecting || c.state == Conn::State::login_sent;
    c.state = Conn::State::failed;
    if (connecting_ && in_phase) {
        --pending_;
        if (c.attempts < kMaxAttempts) {
            retry_.push_back(c.local);
        } else {
            ++failed_;
        }
    }
    // A pairs user that dropped releases nothing more; what it had in flight counts as lost.
}

// The driver sets go_ns once every process is ready; wait for it, then until that instant.
std::int64_t Worker::wait_go() {
    std::int64_t go = 0;
    while ((go = control_.go_ns.load(std::memory_order_acquire)) == 0) {
        if (control_.abort.load(std::memory_order_relaxed)) return 0;
        loop_.poll(5);
        publish();
    }
    if (go < 0) return 0;
    while (loop_.refresh_now() < go) loop_.poll(ms_until(loop_.now(), go, 5));
    return go;
}

void Worker::publish() {
    const auto& k = result_.counters;
    control_.logged_in.store(online_, std::memory_order_relaxed);
    control_.sent.store(k.sent, std::memory_order_relaxed);
    control_.received.store(k.received, std::memory_order_relaxed);
    control_.errors.store(k.errors(), std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// storm: every connection drops at `go` and reconnects + logs in at once.

void Worker::run_storm(std::int64_t go) {
    for (auto& c : loop_.conns()) {
        loop_.close(c);
        c.state = Conn::State::idle;
    }
    online_ = 0;
    result_.first_start_ns = go;
    drop_ns_ = go;
    record_connects_ = true;
    const auto timeout = static_cast<std::int64_t>(options_.timeout_s * 1e9);
    if (connect_all(loop_.now() + timeout, 0)) result_.last_done_ns = loop_.now();
}

// ---------------------------------------------------------------------------------------------
// pairs / latency: a closed loop per sender; the partner's receipt releases the next message.

void Worker::build_chat_template() {
    // fanout posts to the group; "groupId" takes the place of "to" (never patched then).
    const std::string prefix_to =
        fanout() ? R"({"cmd":11,"chatType":1,"groupId":")" : R"({"cmd":11,"chatType":2,"to":")";
    const std::size_t content_len = std::max<std::size_t>(options_.size, kContentMin);
    std::string body =
        prefix_to + (fanout() ? options_.prefix + "-group" : user_id(options_.prefix, 0)) + "\",";
    body += kContentKey;
    const std::size_t content_at = body.size();
    body.append(content_len, 'x');
    body += "\"}";
    std::memset(body.data() + content_at, '0', kContentMin - 1);
    body[content_at + kTsAt - 1] = '.';
    body[content_at + kFromAt - 1] = '.';
    body[content_at + kContentMin - 2] = '.';
    chat_.clear();
    loop_.protocol().append_command(code(Command::chat_req), body, chat_);
    const std::size_t body_at = chat_.size() - body.size();
    to_at_ = body_at + prefix_to.size() + options_.prefix.size() + 1;
    seq_at_ = body_at + content_at + kSeqAt;
    ts_at_ = body_at + content_at + kTsAt;
    from_at_ = body_at + content_at + kFromAt;
}

void Worker::send_chat(Conn& s) {
    const std::size_t at = s.out.size();
    s.out.append(chat_);
    char* p = s.out.data() + at;
    if (!fanout()) put_dec7(p + to_at_, global(s) ^ 1u);
    put_hex(p + from_at_, global(s), 8);
    put_hex(p + seq_at_, s.next_seq++, 12);
    ++s.unstamped;
    ++s.inflight;
    ++inflight_;
    ++result_.counters.sent;
    loop_.mark_dirty(s);
}

// Send times are written when the bytes leave, not when queued, so the latency includes the
// server and both kernels but not this loop's own batching delay.
void Worker::before_write(Conn& c) {
    if (c.unstamped == 0) return;
    const auto now = static_cast<std::uint64_t>(loop_.refresh_now());
    const std::size_t frame = chat_.size();
    char* end = c.out.data() + c.out.size();
    for (std::uint32_t k = 1; k <= c.unstamped; ++k) put_hex(end - k * frame + ts_at_, now, 16);
    c.unstamped = 0;
}

void Worker::pace(std::int64_t start) {
    const double due = options_.msg_rate * static_cast<double>(loop_.now() - start) / 1e9;
    for (auto& c : loop_.conns()) {
        if (c.fd < 0 || !sends(c)) continue;
        while (c.inflight < options_.inflight && static_cast<double>(c.next_seq) < due) {
            send_chat(c);
        }
    }
}

void Worker::run_pairs(std::int64_t go) {
    build_chat_template();
    window_begin_ = go + static_cast<std::int64_t>(options_.warmup_s * 1e9);
    window_end_ = window_begin_ + static_cast<std::int64_t>(options_.duration_s * 1e9);
    sending_ = true;
    const bool paced = options_.msg_rate > 0;
    if (paced) {
        pace(go);
    } else {
        for (auto& c : loop_.conns()) {
            if (c.fd < 0 || !sends(c)) continue;
            for (std::uint32_t k = 0; k < options_.inflight; ++k) send_chat(c);
        }
    }
    while (loop_.now() < window_end_ && !control_.abort.load(std::memory_order_relaxed)) {
        loop_.poll(ms_until(loop_.now(), window_end_, paced ? 5 : 10));
        if (paced) pace(go);
        publish();
    }
    sending_ = false;
    const std::int64_t drain_end = window_end_ + static_cast<std::int64_t>(options_.drain_s * 1e9);
    const auto& k = result_.counters;
    const auto acks_pending = [&k] { return k.sent > k.acks_ok + k.acks_offline + k.acks_error; };
    while ((inflight_ > 0 || acks_pending()) && loop_.now() < drain_end &&
           !control_.abort.load(std::memory_order_relaxed)) {
        loop_.poll(ms_until(loop_.now(), drain_end, 10));
        publish();
    }
    auto& conns = loop_.conns();
    for (auto& c : conns) {
        if (!sends(c)) continue;
        const std::uint64_t got = conns[c.local ^ 1u].rx.unique();
        result_.counters.lost += c.next_seq > got ? c.next_seq - got : 0;
    }
}

void Worker::on_frame(Conn& c, const InFrame& f) {
    switch (static_cast<Command>(f.command)) {
        case Command::chat_req:
            if (fanout()) {
                on_group_push(c, f.body);
            } else {
                on_push(c, f.body);
            }
            break;
        case Command::chat_resp:
            on_ack(f.body);
            // fanout: the sender's window is released by its acks (the receivers are spread
            // over threads and processes).
            if (fanout() && c.inflight > 0) {
                --c.inflight;
                --inflight_;
                if (sending_ && loop_.now() < window_end_) send_chat(c);
            }
            break;
        case Command::login_resp:
            if (c.state == Conn::State::login_sent && !c.joining) {
                on_login_reply(c, f.body);
                break;
            }
            ++result_.counters.protocol_errors;
            break;
        case Command::join_group_resp:
            if (c.state == Conn::State::login_sent && c.joining) {
                finish_login(c);
                break;
            }
            ++result_.counters.protocol_errors;
            break;
        default:
            // Presence notices (a login may be preceded by them: the WS login can send them
            // first; fanout members hear each other join) are not counted.
            if (f.command == code(Command::join_group_notify) ||
                f.command == code(Command::exit_group_notify) ||
                f.command == code(Command::presence)) {
                break;
            }
            ++result_.counters.protocol_errors;
            break;
    }
}

void Worker::on_push(Conn& r, std::string_view body) {
    std::uint64_t seq = 0, ts = 0, from = 0;
    if (!parse_stamp(body, seq, ts, from)) {
        ++result_.counters.protocol_errors;
        return;
    }
    ++result_.counters.received;
    Conn& sender = loop_.conns()[r.local ^ 1u];
    if (from != global(sender)) {
        ++result_.counters.misrouted;
        return;
    }
    switch (r.rx.add(seq)) {
        case SeqTracker::Outcome::duplicate:
            ++result_.counters.duplicated;
            return;
        case SeqTracker::Outcome::out_of_order:
            ++result_.counters.out_of_order;
            break;
        case SeqTracker::Outcome::in_order:
            break;
    }
    const std::int64_t now = loop_.now();
    if (now >= window_begin_ && now < window_end_) {
        ++result_.counters.in_window;
        const auto sent_at = static_cast<std::int64_t>(ts);
        result_.latency.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - sent_at)));
    }
    result_.last_done_ns = now;
    if (sender.inflight > 0) {
        --sender.inflight;
        --inflight_;
    }
    // Closed loop: the next message goes as this one arrives (paced runs send from pace()).
    if (sending_ && options_.msg_rate <= 0 && now < window_end_ && sender.fd >= 0) {
        send_chat(sender);
    }
}

void Worker::on_ack(std::string_view body) {
    constexpr std::string_view kOk = R"({"code":10000,)";
    constexpr std::string_view kOffline = R"({"code":10001,)";
    if (body.starts_with(kOk)) {
        ++result_.counters.acks_ok;
    } else if (body.starts_with(kOffline)) {
        ++result_.counters.acks_offline;
    } else if (body.find("\"code\":10000") != std::string_view::npos) {
        ++result_.counters.acks_ok;
    } else if (body.find("\"code\":10001") != std::string_view::npos) {
        ++result_.counters.acks_offline;
    } else {
        ++result_.counters.acks_error;
    }
}

// ---------------------------------------------------------------------------------------------
// fanout: one group of --group-size members; --connections of them online, the rest joined once
// and then offline (their copies go to inboxes). User 0 posts with W in flight, released by its
// acks; every other online member counts what it receives.

// This worker's part of the offline members, [connections, group_size) split in proportion to
// the shares, enrolled in batches of this worker's connection count: log in, join, close.
bool Worker::enroll_offline_members(std::int64_t deadline) {
    const std::uint64_t online = options_.connections;
    const std::uint64_t offline = options_.members() - online;
    const auto from = static_cast<std::uint32_t>(online + offline * share_.first / online);
    const auto to =
        static_cast<std::uint32_t>(online + offline * (share_.first + share_.count) / online);
    auto& conns = loop_.conns();
    for (std::uint32_t at = from; at < to;) {
        const auto n = std::min<std::uint32_t>(to - at, static_cast<std::uint32_t>(conns.size()));
        base_ = at;
        if (!connect_first(n, deadline, 0)) return false;
        for (std::uint32_t i = 0; i < n; ++i) {
            loop_.close(conns[i]);
            conns[i].state = Conn::State::idle;
        }
        online_ = 0;
        at += n;
    }
    base_ = share_.first;
    result_.counters.logged_in = 0;
    return true;
}

void Worker::run_fanout(std::int64_t go) {
    build_chat_template();
    window_begin_ = go + static_cast<std::int64_t>(options_.warmup_s * 1e9);
    window_end_ = window_begin_ + static_cast<std::int64_t>(options_.duration_s * 1e9);
    sending_ = true;
    Conn* sender = share_.first == 0 && !loop_.conns().empty() ? &loop_.conns()[0] : nullptr;
    if (sender != nullptr && sender->fd >= 0) {
        for (std::uint32_t k = 0; k < options_.inflight; ++k) send_chat(*sender);
    }
    while (loop_.now() < window_end_ && !control_.abort.load(std::memory_order_relaxed)) {
        loop_.poll(ms_until(loop_.now(), window_end_, 10));
        publish();
    }
    sending_ = false;
    // Drain: the sender until its acks are in, everyone until pushes stop for a while.
    const std::int64_t drain_end = window_end_ + static_cast<std::int64_t>(options_.drain_s * 1e9);
    constexpr std::int64_t kQuiet = 500 * kNsPerMs;
    while (loop_.now() < drain_end && !control_.abort.load(std::memory_order_relaxed) &&
           (inflight_ > 0 || loop_.now() - std::max(last_push_ns_, window_end_) < kQuiet)) {
        loop_.poll(10);
        publish();
    }
    // Gaps in what each receiver saw (a loss at the very end shows up as unacked in the sender).
    for (auto& c : loop_.conns()) {
        if (&c == sender) continue;
        result_.counters.lost += c.rx.end() - c.rx.unique();
    }
}

void Worker::on_group_push(Conn& r, std::string_view body) {
    std::uint64_t seq = 0, ts = 0, from = 0;
    if (!parse_stamp(body, seq, ts, from)) {
        ++result_.counters.protocol_errors;
        return;
    }
    ++result_.counters.received;
    if (from != 0 || global(r) == 0) {  // only user 0 posts, and never gets its own post
        ++result_.counters.misrouted;
        return;
    }
    switch (r.rx.add(seq)) {
        case SeqTracker::Outcome::duplicate:
            ++result_.counters.duplicated;
            return;
        case SeqTracker::Outcome::out_of_order:
            ++result_.counters.out_of_order;
            break;
        case SeqTracker::Outcome::in_order:
            break;
    }
    const std::int64_t now = loop_.now();
    last_push_ns_ = now;
    if (now >= window_begin_ && now < window_end_) {
        ++result_.counters.in_window;
        result_.latency.record(static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, now - static_cast<std::int64_t>(ts))));
    }
    result_.last_done_ns = now;
}

}  // namespace jim::bench
