// Group fan-out (P5 #2): CommandService::handle for a group chat (cmd 11, chatType 1) into a
// 1,000- and a 10,000-member group, every member online, through a Delivery that looks members
// up in a real Registry and keeps what each session is sent (like an outbox until the write).
// The counters prove the payload is encoded once and shared: `payloads_per_msg` counts the
// distinct buffers the members were handed per message (1 = one shared encoding) and
// `payload_bytes_held` what their outboxes hold after the last message, against
// BM_FanoutCopyPerMember, which copies the push for every member (what sharing avoids).

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/router/groups.hpp"
#include "jim/router/registry.hpp"
#include "jim/service/command_service.hpp"

namespace {

using namespace jim;

std::string user_name(std::size_t i) {
    return "u" + std::to_string(1'000'000 + i);
}

// A session that keeps the last body it was sent, as an outbox holds it until written.
// Thread: benchmark thread only.
class KeepingPeer final : public service::Peer {
  public:
    explicit KeepingPeer(std::uint32_t slot) : ref_{0, slot, 1} {}
    router::SessionRef ref() const noexcept override { return ref_; }
    std::string_view user() const noexcept override { return user_; }
    std::string_view terminal() const noexcept override { return "tcp"; }
    void send(std::uint8_t, SharedBytes body) override { last = std::move(body); }
    std::size_t bind_user(const proto::User& u) override {
        user_ = u.user_id;
        return 1;
    }
    void close(Errc) override {}

    SharedBytes last;

  private:
    router::SessionRef ref_;
    std::string user_;
};

// Delivery through a real Registry; counts deliveries and the distinct payload buffers handed
// out (a new buffer is one whose bytes differ in address from the previous delivery's).
// Thread: benchmark thread only.
class CountingDelivery final : public service::Delivery {
  public:
    std::size_t send_to_user(std::string_view user, std::uint8_t command, const SharedBytes& body,
                             router::SessionRef exclude) override {
        scratch_.clear();
        registry.lookup(user, scratch_);
        std::size_t n = 0;
        for (const auto& ref : scratch_) {
            if (ref == exclude || ref.slot >= peers.size()) continue;
            if (body.data() != last_payload_) {
                ++payloads;
                last_payload_ = body.data();
            }
            ++deliveries;
            peers[ref.slot]->send(command, body);
            ++n;
        }
        return n;
    }
    void send_to_session(router::SessionRef session, std::uint8_t command,
                         const SharedBytes& body) override {
        if (session.slot < peers.size()) peers[session.slot]->send(command, body);
    }
    std::size_t close_user(std::string_view, Errc) override { return 0; }
    bool online(std::string_view user) override { return registry.online(user); }
    std::vector<SessionEntry> sessions_of(std::string_view) override { return {}; }
    void close_session(router::SessionRef, Errc) override {}

    router::Registry registry;
    std::vector<KeepingPeer*> peers;
    std::uint64_t deliveries = 0;
    std::uint64_t payloads = 0;

  private:
    std::vector<router::SessionRef> scratch_;
    const char* last_payload_ = nullptr;
};

// `members` users logged in and in group "g"; member 0 is the sender.
struct GroupSetup {
    explicit GroupSetup(std::size_t members) : service(*auth, delivery, groups, clock, options()) {
        delivery.peers.push_back(nullptr);  // slot 0 names no session
        for (std::size_t i = 0; i < members; ++i) {
            peers.push_back(std::make_unique<KeepingPeer>(static_cast<std::uint32_t>(i + 1)));
            KeepingPeer& p = *peers.back();
            delivery.peers.push_back(&p);
            const std::string& name = names.emplace_back(user_name(i));
            p.bind_user(proto::User{name, name, {}, {}});
            delivery.registry.add(name, p.ref());
            groups.join("g", name);
        }
        delivery.deliveries = delivery.payloads = 0;
    }
    static service::ServiceOptions options() {
        service::ServiceOptions o;
        o.presence_max_group_list = 0;  // no cmd 9 storms while setting up
        return o;
    }

    std::unique_ptr<auth::Authenticator> auth = auth::make_open_authenticator();
    CountingDelivery delivery;
    router::Groups groups;
    SystemClock clock;
    // No store: fan-out alone, as J-IM without store mode.
    service::CommandService service;
    service::WorkerContext ctx{
        proto::MessageIdGenerator(0, 1), [](std::function<void()> f) { f(); },
        [](router::SessionRef, const std::function<void(service::Peer&)>&) {}};
    std::vector<std::unique_ptr<KeepingPeer>> peers;
    std::vector<std::string> names;
};

const std::string kBody =
    R"({"cmd":11,"chatType":1,"groupId":"g","content":")" + std::string(100, 'x') + R"("})";

// What the members' outboxes hold after the last message: bytes of distinct payload buffers.
double payload_bytes_held(const std::vector<std::unique_ptr<KeepingPeer>>& peers) {
    std::unordered_set<const char*> seen;
    double bytes = 0;
    for (const auto& p : peers) {
        if (p->last && seen.insert(p->last.data()).second) {
            bytes += static_cast<double>(p->last.size());
        }
    }
    return bytes;
}

void report(benchmark::State& state, const GroupSetup& s) {
    const CountingDelivery& d = s.delivery;
    state.counters["payload_bytes_held"] = payload_bytes_held(s.peers);
    const auto msgs = static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
    state.counters["deliveries_per_msg"] = static_cast<double>(d.deliveries) / msgs;
    state.counters["payloads_per_msg"] = static_cast<double>(d.payloads) / msgs;
    state.counters["deliveries_per_s"] =
        benchmark::Counter(static_cast<double>(d.deliveries), benchmark::Counter::kIsRate);
}

void BM_FanoutSharedPayload(benchmark::State& state) {
    GroupSetup s(static_cast<std::size_t>(state.range(0)));
    KeepingPeer& sender = *s.peers[0];
    for (auto _ : state) s.service.handle(sender, s.ctx, 11, kBody);
    state.SetItemsProcessed(state.iterations());
    report(state, s);
    // Every member but the sender holds the last message: one buffer, referenced by all.
    state.counters["refs_to_last_payload"] = static_cast<double>(s.peers[1]->last.use_count());
}
BENCHMARK(BM_FanoutSharedPayload)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// The reference: the same push encoded once, then copied for every member.
void BM_FanoutCopyPerMember(benchmark::State& state) {
    GroupSetup s(static_cast<std::size_t>(state.range(0)));
    const SharedBytes push = proto::shared_chat_push(kBody);
    for (auto _ : state) {
        for (std::size_t i = 1; i < s.peers.size(); ++i) {
            const SharedBytes copy = SharedBytes::copy_of(push.view());
            s.delivery.send_to_user(s.names[i], 11, copy, {});
        }
    }
    state.SetItemsProcessed(state.iterations());
    report(state, s);
}
BENCHMARK(BM_FanoutCopyPerMember)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
