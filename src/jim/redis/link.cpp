#include "jim/redis/link.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <vector>

namespace jim::redis {

std::string_view to_string(LinkState state) {
    switch (state) {
        case LinkState::down:
            return "down";
        case LinkState::connecting:
            return "connecting";
        case LinkState::up:
            return "up";
    }
    return "unknown";
}

// The socket of one hiredis context, watched through Asio. Asio's epoll reactor is
// edge-triggered while hiredis reads at most 16 KiB per call, so a read pass loops while the
// kernel still holds bytes (FIONREAD), and a long pass yields through a posted continuation.
// At most one readiness wait is pending at any time (`waiting`), whoever armed it: hiredis's
// add_read hook during a pass, or the pass itself when the kernel is empty. A continuation must
// not clear that flag: it once did, each long pass then left one more wait pending, and every
// later reply woke all of them (a cluster node spun on EAGAIN reads after a heavy run).
// hiredis asks for write interest whenever it has queued a command; the socket is almost always
// writable then (no edge would come), so the first write is posted rather than waited for, which
// also gathers every command of the current pass into one write. Only a write that could not
// finish (a full send buffer, so an edge will come) waits.
// Pending handlers hold a shared_ptr; `dead` (set by hiredis's cleanup hook when it frees the
// context) makes them do nothing.
struct Link::Watch : std::enable_shared_from_this<Link::Watch> {
    Watch(boost::asio::io_context& io, redisAsyncContext* context)
        : socket(io, context->c.fd), ac(context) {}

    boost::asio::posix::stream_descriptor socket;
    redisAsyncContext* ac;
    bool want_read = false;
    bool want_write = false;
    bool waiting = false;     // a read-readiness wait is pending
    bool continuing = false;  // a read pass's continuation is posted
    bool writing = false;     // a write wait or posted write is pending
    bool dead = false;

    static constexpr int kMaxReadsPerPass = 64;

    void arm_read() {
        if (waiting || dead) return;
        waiting = true;
        socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](boost::system::error_code ec) {
                              self->waiting = false;
                              if (ec || self->dead) return;
                              static_cast<Link*>(self->ac->data)
                                  ->stats_.read_wakeups.fetch_add(1, std::memory_order_relaxed);
                              self->read_pass();
                          });
    }

    void read_pass() {
        for (int i = 0; i < kMaxReadsPerPass; ++i) {
            if (dead || !want_read) return;
            redisAsyncHandleRead(ac);
            if (dead || !want_read) return;
            int pending = 0;
            if (::ioctl(socket.native_handle(), FIONREAD, &pending) != 0 || pending <= 0) {
                arm_read();
                return;
            }
        }
        // More is waiting: yield to other handlers and continue.
        if (continuing) return;
        continuing = true;
        boost::asio::post(socket.get_executor(), [self = shared_from_this()] {
            self->continuing = false;
            self->read_pass();
        });
    }

    void arm_write(bool wait_for_edge) {
        if (writing || dead) return;
        writing = true;
        auto handler = [self = shared_from_this()](boost::system::error_code ec) {
            self->writing = false;
            if (ec || self->dead || !self->want_write) return;
            redisAsyncHandleWrite(self->ac);
            if (!self->dead) static_cast<Link*>(self->ac->data)->release_held();
            // Still wanted after a write: the send buffer is full, an edge will come.
            if (!self->dead && self->want_write) self->arm_write(true);
        };
        if (wait_for_edge) {
            socket.async_wait(boost::asio::posix::stream_descriptor::wait_write, handler);
        } else {
            boost::asio::post(socket.get_executor(), [handler] { handler({}); });
        }
    }

    // hiredis event hooks (ac->ev); privdata is the Watch.
    static void add_read(void* p) {
        auto* w = static_cast<Watch*>(p);
        w->want_read = true;
        w->arm_read();
    }
    static void del_read(void* p) { static_cast<Watch*>(p)->want_read = false; }
    static void add_write(void* p) {
        auto* w = static_cast<Watch*>(p);
        w->want_write = true;
        // Before the connection is established the write event is the connect completion.
        w->arm_write((w->ac->c.flags & REDIS_CONNECTED) == 0);
    }
    static void del_write(void* p) { static_cast<Watch*>(p)->want_write = false; }
    static void cleanup(void* p) {
        auto* w = static_cast<Watch*>(p);
        w->dead = true;
        w->want_read = w->want_write = false;
        boost::system::error_code ec;
        w->socket.cancel(ec);
        w->socket.release();  // hiredis closes the descriptor itself
    }
};

Link::Link(boost::asio::io_context& io, LinkOptions options)
    : io_(io),
      options_(std::move(options)),
      retry_timer_(io),
      connect_timer_(io),
      ping_timer_(io),
      backoff_(options_.backoff_min) {}

Link::~Link() {
    closing_ = true;
    retry_timer_.cancel();
    connect_timer_.cancel();
    ping_timer_.cancel();
    if (ac_ != nullptr) {
        redisAsyncContext* ac = ac_;
        ac_ = nullptr;
        redisAsyncFree(ac);  // runs every pending callback with a null reply
    }
    fail_held();  // issued after those: answered after them
    stats_.state.store(LinkState::down, std::memory_order_relaxed);
}

void Link::start() {
    if (started_) return;
    started_ = true;
    connect();
    if (options_.ping_interval.count() > 0) {
        ping_timer_.expires_after(options_.ping_interval);
        ping_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) ping_tick();
        });
    }
}

void Link::connect() {
    stats_.state.store(LinkState::connecting, std::memory_order_relaxed);
    redisAsyncContext* ac =
        redisAsyncConnect(options_.endpoint.host.c_str(), options_.endpoint.port);
    if (ac == nullptr || ac->err != 0) {
        if (ac != nullptr) redisAsyncFree(ac);
        stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
        lost(false);
        return;
    }
    ac_ = ac;
    ac->data = this;
    watch_ = std::make_shared<Watch>(io_, ac);
    ac->ev.data = watch_.get();
    ac->ev.addRead = &Watch::add_read;
    ac->ev.delRead = &Watch::del_read;
    ac->ev.addWrite = &Watch::add_write;
    ac->ev.delWrite = &Watch::del_write;
    ac->ev.cleanup = &Watch::cleanup;
    redisAsyncSetDisconnectCallback(ac, &Link::on_disconnect);
    redisAsyncSetConnectCallback(ac, &Link::on_connect);  // also asks for the first write event
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([this, ac](boost::system::error_code ec) {
        if (ec || ac_ != ac || state() != LinkState::connecting) return;
        // TCP or the PING handshake took too long. Once TCP is connected, freeing the context
        // reports through on_disconnect, which counts the failure and schedules the retry.
        const bool tcp_connected = (ac->c.flags & REDIS_CONNECTED) != 0;
        ac_ = nullptr;
        redisAsyncFree(ac);
        if (!tcp_connected) {
            stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
            lost(false);
        }
    });
}

void Link::on_connect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Link*>(ac->data);
    if (status != REDIS_OK) {
        self->connect_timer_.cancel();
        // hiredis frees the context when this returns.
        self->ac_ = nullptr;
        self->stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
        self->lost(false);
        return;
    }
    // TCP is up, but a stopped server's kernel accepts connections too: the link is up only once
    // Redis answers (the connect timer still runs until then).
    self->send({"PING"}, [self](Reply r) {
        if (r.ok()) self->connected();
    });
}

void Link::connected() {
    connect_timer_.cancel();
    backoff_ = options_.backoff_min;
    unanswered_pings_ = 0;
    stats_.connects.fetch_add(1, std::memory_order_relaxed);
    stats_.state.store(LinkState::up, std::memory_order_relaxed);
    spdlog::info("{}: connected to {}", options_.name, options_.endpoint.to_string());
    for (const std::string& channel : channels_) send_subscribe(channel);
    if (on_up_) on_up_();
}

void Link::on_disconnect(const redisAsyncContext* ac, int /*status*/) {
    auto* self = static_cast<Link*>(ac->data);
    if (self->closing_) return;
    // hiredis frees the context when this returns; pending callbacks have already run.
    self->ac_ = nullptr;
    const bool was_up = self->up();
    (was_up ? self->stats_.disconnects : self->stats_.connect_failures)
        .fetch_add(1, std::memory_order_relaxed);
    self->lost(was_up);
}

void Link::lost(bool was_up) {
    stats_.state.store(LinkState::down, std::memory_order_relaxed);
    fail_held();
    if (was_up) {
        spdlog::warn("{}: lost the connection to {}; reconnecting", options_.name,
                     options_.endpoint.to_string());
        if (on_down_) on_down_();
    }
    schedule_retry();
}

void Link::schedule_retry() {
    if (closing_) return;
    retry_timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    retry_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && ac_ == nullptr && !closing_) connect();
    });
}

void Link::command(std::span<const std::string_view> args, Callback done) {
    if (ac_ == nullptr || !up()) {
        stats_.failed_commands.fetch_add(1, std::memory_order_relaxed);
        if (done) done(Reply());
        return;
    }
    if (!held_.empty() || unwritten() > kOutputHighWater) {
        held_.push_back(Held{std::vector<std::string>(args.begin(), args.end()), std::move(done)});
        return;
    }
    send(args, std::move(done));
}

std::size_t Link::unwritten() const {
    return ac_ != nullptr ? sdslen(ac_->c.obuf) : 0;
}

void Link::release_held() {
    while (!held_.empty() && ac_ != nullptr && unwritten() <= kOutputHighWater) {
        Held h = std::move(held_.front());
        held_.pop_front();
        std::vector<std::string_view> args(h.args.begin(), h.args.end());
        send(args, std::move(h.done));
    }
}

void Link::fail_held() {
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) {
        stats_.failed_commands.fetch_add(1, std::memory_order_relaxed);
        if (h.done) h.done(Reply());
    }
}

void Link::send(std::span<const std::string_view> args, Callback done) {
    constexpr std::size_t kInline = 16;
    const char* argv_inline[kInline];
    std::size_t lens_inline[kInline];
    std::vector<const char*> argv_heap;
    std::vector<std::size_t> lens_heap;
    const char** argv = argv_inline;
    std::size_t* lens = lens_inline;
    if (args.size() > kInline) {
        argv_heap.resize(args.size());
        lens_heap.resize(args.size());
        argv = argv_heap.data();
        lens = lens_heap.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        argv[i] = args[i].data();
        lens[i] = args[i].size();
    }
    auto* cb = new Callback(std::move(done));
    if (redisAsyncCommandArgv(ac_, &Link::on_reply, cb, static_cast<int>(args.size()), argv,
                              lens) != REDIS_OK) {
        stats_.failed_commands.fetch_add(1, std::memory_order_relaxed);
        if (*cb) (*cb)(Reply());
        delete cb;
    }
}

void Link::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    auto* cb = static_cast<Callback*>(privdata);
    if (reply == nullptr) {
        static_cast<Link*>(ac->data)->stats_.failed_commands.fetch_add(1,
                                                                       std::memory_order_relaxed);
    }
    if (*cb) (*cb)(Reply(static_cast<const redisReply*>(reply)));
    delete cb;
}

void Link::subscribe(const std::string& channel) {
    if (!channels_.insert(channel).second) return;
    if (ac_ != nullptr && up()) send_subscribe(channel);
}

void Link::send_subscribe(const std::string& channel) {
    const char* argv[2] = {"SUBSCRIBE", channel.data()};
    const std::size_t lens[2] = {9, channel.size()};
    redisAsyncCommandArgv(ac_, &Link::on_subscription, this, 2, argv, lens);
}

// hiredis keeps a subscription's callback and calls it for the confirmation and every message.
void Link::on_subscription(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
    auto* self = static_cast<Link*>(privdata);
    if (reply == nullptr || self->closing_ || !self->on_message_) return;
    const Reply r(static_cast<const redisReply*>(reply));
    if (r.size() == 3 && r.at(0).str() == "message")
        self->on_message_(r.at(1).str(), r.at(2).str());
}

void Link::ping_tick() {
    if (up() && channels_.empty()) {
        if (unanswered_pings_ >= 3 && ac_ != nullptr) {
            spdlog::warn("{}: no answer to PING for {} ms; dropping the connection", options_.name,
                         3 * options_.ping_interval.count());
            // Not redisAsyncDisconnect: it would wait for the replies that are not coming.
            // Free runs the pending callbacks with a null reply, then on_disconnect.
            redisAsyncFree(ac_);
        } else {
            ++unanswered_pings_;
            command({"PING"}, [this](Reply r) {
                if (r.ok()) unanswered_pings_ = 0;
            });
        }
    }
    ping_timer_.expires_after(options_.ping_interval);
    ping_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) ping_tick();
    });
}

}  // namespace jim::redis
