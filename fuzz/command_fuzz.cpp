// Fuzzes the JSON command layer (spec §6) as sessions drive it: CommandService::handle with two
// fake sessions, a fake Delivery and the memory store, on arbitrary command codes and bodies.
// Checks: nothing crashes or throws; every byte the server would send (replies, pushes,
// notifications) is one JSON object; a session is never bound to an invalid user id; a closed
// session gets no further command (as a connection would not).
//
// Input: a sequence of records [selector][length][body...]: selector bit 7 picks the session,
// the low 7 bits are the command code (0..127, so unknown codes are covered), length is one byte.
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "jim/service/command_service.hpp"

namespace {

using namespace jim;

void check_json(std::string_view bytes) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(bytes, ec);
    JIM_FUZZ_CHECK(!ec && v.is_object());
}

class Session final : public service::Peer {
  public:
    explicit Session(std::uint32_t slot) : ref_{0, slot, 1} {}
    router::SessionRef ref() const noexcept override { return ref_; }
    std::string_view user() const noexcept override { return user_; }
    std::string_view terminal() const noexcept override { return "tcp"; }
    void send(std::uint8_t, SharedBytes body) override { check_json(body.view()); }
    std::size_t bind_user(const proto::User& u) override {
        JIM_FUZZ_CHECK(auth::valid_user_id(u.user_id));
        user_ = u.user_id;
        return 1;
    }
    void close(Errc) override { closed_ = true; }
    bool closed() const { return closed_; }

  private:
    router::SessionRef ref_;
    std::string user_;
    bool closed_ = false;
};

class Sessions final : public service::Delivery {
  public:
    explicit Sessions(std::vector<Session*> all) : all_(std::move(all)) {}
    std::size_t send_to_user(std::string_view user, std::uint8_t, const SharedBytes& body,
                             router::SessionRef exclude) override {
        check_json(body.view());
        std::size_t n = 0;
        for (auto* s : all_) n += s->user() == user && !(s->ref() == exclude) && !s->closed();
        return n;
    }
    void send_to_session(router::SessionRef, std::uint8_t, const SharedBytes& body) override {
        check_json(body.view());
    }
    std::size_t close_user(std::string_view user, Errc reason) override {
        std::size_t n = 0;
        for (auto* s : all_) {
            if (s->user() == user) {
                s->close(reason);
                ++n;
            }
        }
        return n;
    }
    bool online(std::string_view user) override {
        for (auto* s : all_) {
            if (s->user() == user && !s->closed()) return true;
        }
        return false;
    }
    std::vector<SessionEntry> sessions_of(std::string_view user) override {
        std::vector<SessionEntry> out;
        for (auto* s : all_) {
            if (s->user() == user && !s->closed()) out.push_back({s->ref(), "tcp"});
        }
        return out;
    }
    void close_session(router::SessionRef session, Errc reason) override {
        for (auto* s : all_) {
            if (s->ref() == session) s->close(reason);
        }
    }

  private:
    std::vector<Session*> all_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto auth = auth::make_open_authenticator();
    static const ManualClock clock{1700000000000};
    // A fresh store and fresh state per input, so inputs do not depend on each other.
    store::StoreOptions so;
    so.engine = "memory";
    so.clock = &clock;
    const auto store = store::open_store(so);
    router::Groups groups;
    Session a(1);
    Session b(2);
    Sessions delivery({&a, &b});
    service::ServiceOptions options;
    options.default_groups = {"100"};
    service::CommandService service(*auth, delivery, groups, clock, options, store.get());
    // Store completions are posted here (from the store thread) and run on this thread, as on
    // a worker.
    std::mutex mu;
    std::vector<std::function<void()>> posted;
    service::WorkerContext ctx(proto::MessageIdGenerator(1, 42),
                               [&mu, &posted](std::function<void()> fn) {
                                   std::lock_guard lock(mu);
                                   posted.push_back(std::move(fn));
                               });
    const auto settle = [&] {
        std::vector<std::function<void()>> batch;
        // Until nothing is left in flight: the store and the lambdas above must not outlive it.
        for (;;) {
            store->drain();
            batch.clear();
            {
                std::lock_guard lock(mu);
                batch.swap(posted);
            }
            if (batch.empty()) return;
            for (auto& fn : batch) fn();
        }
    };

    std::size_t off = 0;
    while (off + 2 <= size) {
        const std::uint8_t selector = data[off];
        const std::size_t len = std::min<std::size_t>(data[off + 1], size - off - 2);
        const std::string_view body(reinterpret_cast<const char*>(data + off + 2), len);
        off += 2 + len;
        Session& s = (selector & 0x80) != 0 ? b : a;
        if (s.closed()) continue;
        service.handle(s, ctx, static_cast<std::uint8_t>(selector & 0x7f), body);
        settle();
    }
    settle();
    return 0;
}
