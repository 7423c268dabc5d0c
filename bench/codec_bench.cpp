// The J-IM TCP frame codec on the server's read and write paths (spec §2): decoding one chat
// frame with 100 bytes of content, decoding a read buffer full of them, and writing a header.

#include <benchmark/benchmark.h>

#include <span>
#include <string>

#include "jim/codec/tcp_frame.hpp"

namespace {

using namespace jim::codec;

std::string chat_body() {
    return R"({"cmd":11,"chatType":2,"to":"u0000002","content":")" + std::string(100, 'x') +
           R"(","msgType":0})";
}

void BM_TcpDecodeChatFrame(benchmark::State& state) {
    std::string frame;
    tcp::encode_client(11, chat_body(), frame);
    const tcp::Limits limits;
    for (auto _ : state) {
        auto r = tcp::decode(std::span<const char>(frame.data(), frame.size()), limits);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
}
BENCHMARK(BM_TcpDecodeChatFrame);

// What one 64 KiB read looks like under load: back-to-back frames, the last one cut short.
void BM_TcpDecodeReadBuffer(benchmark::State& state) {
    std::string buffer;
    while (buffer.size() < 64 * 1024) tcp::encode_client(11, chat_body(), buffer);
    buffer.resize(64 * 1024);
    const tcp::Limits limits;
    std::int64_t frames = 0;
    for (auto _ : state) {
        std::size_t at = 0;
        while (true) {
            const auto r =
                tcp::decode(std::span<const char>(buffer.data() + at, buffer.size() - at), limits);
            if (r.status != tcp::Status::ok) break;
            benchmark::DoNotOptimize(r.frame.body.data());
            at += r.consumed;
            ++frames;
        }
    }
    state.SetItemsProcessed(frames);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buffer.size()));
}
BENCHMARK(BM_TcpDecodeReadBuffer);

void BM_TcpEncodeHeader(benchmark::State& state) {
    char header[tcp::kHeaderSize];
    std::uint32_t size = 180;
    for (auto _ : state) {
        tcp::encode_header(11, size, header);
        benchmark::DoNotOptimize(header);
        benchmark::ClobberMemory();
        size ^= 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TcpEncodeHeader);

}  // namespace
