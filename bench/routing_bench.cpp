// Routing a private chat: the presence Registry (add/remove and lookup with 1k and 100k users
// online) and CommandService::handle for command 11 end to end without a network, through a
// fake Peer and a Delivery that looks receivers up in a real Registry (like the server's), so
// everything but the sockets and the corked write is measured.

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>
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

std::vector<std::string> fill(router::Registry& r, std::size_t users) {
    std::vector<std::string> names;
    names.reserve(users);
    for (std::size_t i = 0; i < users; ++i) {
        names.push_back(user_name(i));
        r.add(names.back(), {0, static_cast<std::uint32_t>(i + 1), 1});
    }
    return names;
}

void BM_RegistryAddRemove(benchmark::State& state) {
    router::Registry registry;
    const auto names = fill(registry, static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    const router::SessionRef extra{0, 0x7fffffff, 1};
    for (auto _ : state) {
        const std::string& user = names[i++ % names.size()];
        benchmark::DoNotOptimize(registry.add(user, extra));
        benchmark::DoNotOptimize(registry.remove(user, extra));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegistryAddRemove)->Arg(1000)->Arg(100000);

void BM_RegistryLookup(benchmark::State& state) {
    router::Registry registry;
    const auto names = fill(registry, static_cast<std::size_t>(state.range(0)));
    std::vector<router::SessionRef> out;
    std::size_t i = 0;
    for (auto _ : state) {
        out.clear();
        // A stride through the table, so 100k users do not all sit in cache.
        i = (i + 7919) % names.size();
        benchmark::DoNotOptimize(registry.lookup(names[i], out));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegistryLookup)->Arg(1000)->Arg(100000);

// A session that counts what it is sent. Thread: benchmark thread only.
class FakePeer final : public service::Peer {
  public:
    explicit FakePeer(std::uint32_t slot) : ref_{0, slot, 1} {}
    router::SessionRef ref() const noexcept override { return ref_; }
    std::string_view user() const noexcept override { return user_; }
    std::string_view terminal() const noexcept override { return "tcp"; }
    void send(std::uint8_t, SharedBytes body) override { bytes += body.size(); }
    std::size_t bind_user(const proto::User& u) override {
        user_ = u.user_id;
        return 1;
    }
    void close(Errc) override {}

    std::size_t bytes = 0;

  private:
    router::SessionRef ref_;
    std::string user_;
};

// Delivery through a real Registry to FakePeers indexed by slot. Thread: benchmark thread only.
class RegistryDelivery final : public service::Delivery {
  public:
    std::size_t send_to_user(std::string_view user, std::uint8_t command, const SharedBytes& body,
                             router::SessionRef exclude) override {
        scratch_.clear();
        registry.lookup(user, scratch_);
        std::size_t n = 0;
        for (const auto& ref : scratch_) {
            if (ref == exclude || ref.slot >= peers.size()) continue;
            peers[ref.slot]->send(command, body);
            ++n;
        }
        return n;
    }
    void send_to_session(router::SessionRef session, std::uint8_t command,
                         const SharedBytes& body) override {
        if (session.slot < peers.size() && peers[session.slot] != nullptr) {
            peers[session.slot]->send(command, body);
        }
    }
    std::size_t close_user(std::string_view, Errc) override { return 0; }
    bool online(std::string_view user) override { return registry.online(user); }
    std::vector<SessionEntry> sessions_of(std::string_view) override { return {}; }
    void close_session(router::SessionRef, Errc) override {}

    router::Registry registry;
    std::vector<FakePeer*> peers;

  private:
    std::vector<router::SessionRef> scratch_;
};

void BM_CommandServicePrivateChat(benchmark::State& state) {
    const auto users = static_cast<std::size_t>(state.range(0));
    const auto auth = auth::make_open_authenticator();
    RegistryDelivery delivery;
    router::Groups groups;
    const SystemClock clock;
    // No store: routing alone, as J-IM without store mode.
    service::CommandService service(*auth, delivery, groups, clock);
    service::WorkerContext ctx{
        proto::MessageIdGenerator(0, 1), [](std::function<void()> f) { f(); },
        [](router::SessionRef, const std::function<void(service::Peer&)>&) {}};

    std::vector<std::unique_ptr<FakePeer>> peers;
    delivery.peers.push_back(nullptr);  // slot 0 names no session
    for (std::size_t i = 0; i < users; ++i) {
        peers.push_back(std::make_unique<FakePeer>(static_cast<std::uint32_t>(i + 1)));
        FakePeer& p = *peers.back();
        delivery.peers.push_back(&p);
        const std::string name = user_name(i);
        service.handle(p, ctx, 5, R"({"cmd":5,"userId":")" + name + R"(","password":"x"})");
        delivery.registry.add(name, p.ref());
    }
    // Pairs (2k, 2k + 1), each sending to its partner, like jim-bench pairs.
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i < users; ++i) {
        bodies.push_back(R"({"cmd":11,"chatType":2,"to":")" + user_name(i ^ 1) +
                         R"(","content":")" + std::string(100, 'x') + R"("})");
    }
    for (auto& p : peers) p->bytes = 0;  // login replies are not part of the measurement
    std::size_t i = 0;
    for (auto _ : state) {
        i = (i + 7919) % users;
        service.handle(*peers[i], ctx, 11, bodies[i]);
    }
    state.SetItemsProcessed(state.iterations());
    std::size_t bytes = 0;
    for (const auto& p : peers) bytes += p->bytes;
    state.counters["bytes_per_msg"] =
        static_cast<double>(bytes) /
        static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(BM_CommandServicePrivateChat)->Arg(1000)->Arg(100000);

}  // namespace
