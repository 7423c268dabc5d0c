// The per-message protocol work of a private chat (spec §6.6): completing the ChatBody once
// (parse, check, add from/id/createTime, serialise), wrapping it as the receivers' push, the
// sender's ack, and the message id. At 450k msgs/s one core has 2.2 µs per message for all of
// it (ENVIRONMENT.md), so these are budget items.

#include <benchmark/benchmark.h>

#include <string>

#include "jim/proto/chat.hpp"
#include "jim/proto/message_id.hpp"
#include "jim/proto/replies.hpp"

namespace {

using namespace jim::proto;

constexpr std::int64_t kNow = 1588300000000;

// What jim-bench sends: 100 bytes of content to one receiver.
std::string chat_request() {
    return R"({"cmd":11,"chatType":2,"to":"u0000002","content":")" + std::string(100, 'x') +
           R"("})";
}

// A typical client body with the optional members J-IM clients fill in.
std::string chat_request_full() {
    return R"({"cmd":11,"chatType":2,"msgType":0,"from":"u0000001","to":"u0000002","content":")" +
           std::string(100, 'x') + R"(","createTime":1588300000000,"extras":{"client":"web"}})";
}

void run_prepare(benchmark::State& state, const std::string& body) {
    MessageIdGenerator ids(0, 1);
    PreparedChat out;
    for (auto _ : state) {
        const auto id = ids.next(kNow);
        const auto e = prepare_chat(body, "u0000001", MessageIdGenerator::view(id), kNow, out);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(out.body.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["body_bytes"] = static_cast<double>(out.body.size());
}

void BM_PrepareChat(benchmark::State& state) {
    run_prepare(state, chat_request());
}
BENCHMARK(BM_PrepareChat);

void BM_PrepareChatFullBody(benchmark::State& state) {
    run_prepare(state, chat_request_full());
}
BENCHMARK(BM_PrepareChatFullBody);

void BM_ChatPush(benchmark::State& state) {
    MessageIdGenerator ids(0, 1);
    PreparedChat chat;
    const auto id = ids.next(kNow);
    prepare_chat(chat_request(), "u0000001", MessageIdGenerator::view(id), kNow, chat);
    for (auto _ : state) {
        auto push = chat_push(chat.body);
        benchmark::DoNotOptimize(push.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChatPush);

void BM_ChatAck(benchmark::State& state) {
    MessageIdGenerator ids(0, 1);
    const auto id = ids.next(kNow);
    for (auto _ : state) {
        auto ack = chat_ack(10000, MessageIdGenerator::view(id), kNow);
        benchmark::DoNotOptimize(ack.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChatAck);

void BM_MessageId(benchmark::State& state) {
    MessageIdGenerator ids(0, 1);
    for (auto _ : state) {
        auto id = ids.next(kNow);
        benchmark::DoNotOptimize(id);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MessageId);

}  // namespace
