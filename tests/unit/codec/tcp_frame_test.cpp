// TCP frame codec (spec §2): golden vectors from §2.7, feed-split-at-every-offset, round trip,
// error cases and synSeq parsing.
#include "jim/codec/tcp_frame.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace jim::codec::tcp {
namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string out;
    for (int b : list) out.push_back(static_cast<char>(b));
    return out;
}

std::span<const char> span_of(std::string_view s) {
    return {s.data(), s.size()};
}

DecodeResult decode_sv(std::string_view s, const Limits& limits = {}) {
    return decode(span_of(s), limits);
}

// A decoded frame copied out of the buffer, so frames from different buffers can be compared.
struct OwnedFrame {
    std::uint8_t mask = 0;
    bool has_syn_seq = false;
    std::int32_t syn_seq = 0;
    std::uint8_t command = 0;
    std::string body;
    bool operator==(const OwnedFrame&) const = default;
};

OwnedFrame own(const Frame& f) {
    return {f.mask, f.has_syn_seq, f.syn_seq, f.command, std::string(f.body)};
}

// Decodes every complete frame in `in`; stops at need_more. Fails the test on error.
std::vector<OwnedFrame> decode_all(std::string_view in, std::size_t* consumed = nullptr) {
    std::vector<OwnedFrame> frames;
    std::size_t pos = 0;
    for (;;) {
        const auto r = decode_sv(in.substr(pos));
        if (r.status == Status::need_more) break;
        EXPECT_EQ(r.status, Status::ok) << "error at offset " << pos;
        if (r.status != Status::ok) break;
        frames.push_back(own(r.frame));
        pos += r.consumed;
    }
    if (consumed != nullptr) *consumed = pos;
    return frames;
}

constexpr std::string_view kLoginBody = R"({"cmd":5,"password":"123","userId":"u1"})";
constexpr std::string_view kChatBody =
    R"({"chatType":2,"cmd":11,"content":"hi","from":"u1","msgType":0,"to":"u2"})";
constexpr std::string_view kAckBody = R"({"code":10000,"command":12,"msg":"ok 发送成功"})";

// ---- Golden vectors (spec §2.7) -------------------------------------------------------------

TEST(TcpFrameGolden, LoginRequest) {
    ASSERT_EQ(kLoginBody.size(), 0x28u);
    const std::string wire =
        bytes({0x01, 0x51, 0x05, 0x00, 0x00, 0x00, 0x28}) + std::string(kLoginBody);
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(r.frame.mask, 0x51);
    EXPECT_FALSE(r.frame.has_syn_seq);
    EXPECT_EQ(r.frame.command, 5);
    EXPECT_EQ(r.frame.body, kLoginBody);

    std::string client;
    encode_client(5, kLoginBody, client);
    EXPECT_EQ(client, wire);
}

TEST(TcpFrameGolden, ChatRequest) {
    ASSERT_EQ(kChatBody.size(), 0x48u);
    const std::string wire =
        bytes({0x01, 0x51, 0x0b, 0x00, 0x00, 0x00, 0x48}) + std::string(kChatBody);
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(r.frame.command, 11);
    EXPECT_EQ(r.frame.body, kChatBody);
}

TEST(TcpFrameGolden, ServerAckIsEncodedByteForByte) {
    const std::string expected_body =
        bytes({0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x31, 0x30, 0x30, 0x30, 0x30,
               0x2c, 0x22, 0x63, 0x6f, 0x6d, 0x6d, 0x61, 0x6e, 0x64, 0x22, 0x3a, 0x31, 0x32,
               0x2c, 0x22, 0x6d, 0x73, 0x67, 0x22, 0x3a, 0x22, 0x6f, 0x6b, 0x20, 0xe5, 0x8f,
               0x91, 0xe9, 0x80, 0x81, 0xe6, 0x88, 0x90, 0xe5, 0x8a, 0x9f, 0x22, 0x7d});
    ASSERT_EQ(expected_body.size(), 51u);
    ASSERT_EQ(std::string(kAckBody), expected_body);
    const std::string expected = bytes({0x01, 0x51, 0x0c, 0x00, 0x00, 0x00, 0x33}) + expected_body;

    std::string out;
    encode(12, kAckBody, out);
    EXPECT_EQ(out, expected);

    char header[kHeaderSize];
    encode_header(12, 51, header);
    EXPECT_EQ(std::string_view(header, kHeaderSize), expected.substr(0, kHeaderSize));

    const auto r = decode_sv(out);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.frame.command, 12);
    EXPECT_EQ(r.frame.body, kAckBody);
}

TEST(TcpFrameGolden, DemoClientHeartbeatWithRawByteBody) {
    const std::string wire = bytes({0x01, 0x51, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x80});
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.consumed, 8u);
    EXPECT_EQ(r.frame.command, 13);
    EXPECT_EQ(r.frame.body, std::string_view("\x80", 1));
}

TEST(TcpFrameGolden, MinimalEmptyBodyAnyMaskWithoutSynSeq) {
    const std::string wire = bytes({0x01, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00});
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.consumed, kHeaderSize);
    EXPECT_EQ(r.frame.mask, 0x00);
    EXPECT_EQ(r.frame.command, 13);
    EXPECT_TRUE(r.frame.body.empty());

    // Every mask bit other than 0x20 is ignored.
    for (int mask : {0x01, 0x10, 0x40, 0x51, 0x80, 0xdf, 0xff & ~0x20}) {
        std::string w = wire;
        w[1] = static_cast<char>(mask);
        const auto m = decode_sv(w);
        ASSERT_EQ(m.status, Status::ok) << "mask " << mask;
        EXPECT_FALSE(m.frame.has_syn_seq);
        EXPECT_EQ(m.frame.mask, mask);
    }
}

TEST(TcpFrameGolden, TrailingBytesAreLeftForTheNextFrame) {
    const std::string wire = bytes({0x01, 0x51, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x80, 0x01, 0x51});
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.consumed, 8u);
}

// ---- Feed split at every offset ------------------------------------------------------------

std::string three_frames() {
    std::string buf;
    encode_client(5, kLoginBody, buf);
    encode_client(11, kChatBody, buf, kServerMask, /*has_syn_seq=*/true, /*syn_seq=*/7);
    buf += bytes({0x01, 0x51, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x80});
    return buf;
}

TEST(TcpFrameSplit, EveryPrefixYieldsNeedMoreOrFewerFrames) {
    const std::string buf = three_frames();
    std::size_t consumed = 0;
    const auto all = decode_all(buf, &consumed);
    ASSERT_EQ(all.size(), 3u);
    ASSERT_EQ(consumed, buf.size());
    EXPECT_TRUE(all[1].has_syn_seq);
    EXPECT_EQ(all[1].syn_seq, 7);

    for (std::size_t cut = 0; cut < buf.size(); ++cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        std::size_t used = 0;
        const auto part = decode_all(std::string_view(buf).substr(0, cut), &used);
        ASSERT_LT(part.size(), 3u);
        for (std::size_t i = 0; i < part.size(); ++i) EXPECT_EQ(part[i], all[i]);
        // Whatever is left of the prefix is an unfinished frame.
        EXPECT_EQ(decode_sv(std::string_view(buf).substr(used, cut - used)).status,
                  Status::need_more);
    }
}

// Simulates a connection: the stream arrives in two reads split at `cut`; the receiver keeps
// the unfinished tail and decodes again after the second read.
TEST(TcpFrameSplit, TwoReadsAtEveryOffsetYieldIdenticalFrames) {
    const std::string buf = three_frames();
    const auto all = decode_all(buf);
    for (std::size_t cut = 0; cut <= buf.size(); ++cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        std::string pending(buf.substr(0, cut));
        std::vector<OwnedFrame> got;
        std::size_t used = 0;
        for (const auto& f : decode_all(pending, &used)) got.push_back(f);
        pending.erase(0, used);
        pending += buf.substr(cut);
        for (const auto& f : decode_all(pending, &used)) got.push_back(f);
        EXPECT_EQ(used, pending.size());
        EXPECT_EQ(got, all);
    }
}

TEST(TcpFrameSplit, NeedMoreReportsTotalOnceHeaderIsKnown) {
    std::string buf;
    encode_client(11, kChatBody, buf);
    for (std::size_t cut = 0; cut < buf.size(); ++cut) {
        const auto r = decode_sv(std::string_view(buf).substr(0, cut));
        ASSERT_EQ(r.status, Status::need_more) << cut;
        EXPECT_EQ(r.needed, cut >= kHeaderSize ? buf.size() : 0u) << cut;
    }
}

// ---- Round trip ----------------------------------------------------------------------------

TEST(TcpFrameRoundTrip, ServerEncodeDecodes) {
    const std::string big(70000, 'x');
    for (std::uint8_t cmd = 0; cmd <= 20; ++cmd) {
        for (std::string_view body : {std::string_view(), kChatBody, std::string_view(big)}) {
            std::string out;
            encode(cmd, body, out);
            ASSERT_EQ(out.size(), kHeaderSize + body.size());
            const auto r = decode_sv(out);
            ASSERT_EQ(r.status, Status::ok);
            EXPECT_EQ(r.consumed, out.size());
            EXPECT_EQ(r.frame.mask, kServerMask);
            EXPECT_FALSE(r.frame.has_syn_seq);
            EXPECT_EQ(r.frame.command, cmd);
            EXPECT_EQ(r.frame.body, body);
        }
    }
}

TEST(TcpFrameRoundTrip, ClientEncodeWithAndWithoutSynSeq) {
    for (std::int32_t seq : {0, 1, -1, 0x12345678, INT32_MIN, INT32_MAX}) {
        for (bool has : {false, true}) {
            std::string out;
            encode_client(19, kLoginBody, out, kServerMask, has, seq);
            ASSERT_EQ(out.size(), (has ? kHeaderSizeWithSynSeq : kHeaderSize) + kLoginBody.size());
            const auto r = decode_sv(out);
            ASSERT_EQ(r.status, Status::ok);
            EXPECT_EQ(r.consumed, out.size());
            EXPECT_EQ(r.frame.has_syn_seq, has);
            EXPECT_EQ(r.frame.syn_seq, has ? seq : 0);
            EXPECT_EQ((r.frame.mask & kMaskSynSeq) != 0, has);
            EXPECT_EQ(r.frame.command, 19);
            EXPECT_EQ(r.frame.body, kLoginBody);
        }
    }
}

TEST(TcpFrameRoundTrip, EncodeAppendsToExistingBuffer) {
    std::string out = "prefix";
    encode(13, "{}", out);
    EXPECT_EQ(out.substr(0, 6), "prefix");
    const auto r = decode_sv(std::string_view(out).substr(6));
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.frame.body, "{}");
}

// ---- Errors --------------------------------------------------------------------------------

TEST(TcpFrameErrors, EmptyInputNeedsMore) {
    EXPECT_EQ(decode_sv({}).status, Status::need_more);
}

TEST(TcpFrameErrors, BadVersionIsRejectedOnTheFirstByte) {
    for (int v : {0x00, 0x02, 0x16, 0x47, 0x80, 0xff}) {
        const auto r = decode_sv(bytes({v}));
        EXPECT_EQ(r.status, Status::error) << v;
        EXPECT_EQ(r.error, Errc::bad_version) << v;
    }
    const auto full = decode_sv(bytes({0x02, 0x51, 0x0d, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(full.status, Status::error);
    EXPECT_EQ(full.error, Errc::bad_version);
}

TEST(TcpFrameErrors, CommandAboveMaxAndNegativeCommandBytes) {
    for (int cmd : {21, 0x7f, 0x80, 0x81, 0xff}) {
        // Rejected as soon as the command byte is present, before the length arrives.
        const auto early = decode_sv(bytes({0x01, 0x51, cmd}));
        EXPECT_EQ(early.status, Status::error) << cmd;
        EXPECT_EQ(early.error, Errc::unknown_command) << cmd;
        const auto full = decode_sv(bytes({0x01, 0x51, cmd, 0x00, 0x00, 0x00, 0x00}));
        EXPECT_EQ(full.status, Status::error) << cmd;
        EXPECT_EQ(full.error, Errc::unknown_command) << cmd;
    }
    // With synSeq the command byte sits at offset 6.
    const auto syn = decode_sv(bytes({0x01, 0x71, 0x00, 0x00, 0x00, 0x00, 0x80}));
    EXPECT_EQ(syn.error, Errc::unknown_command);

    // max_command is a limit, not a constant.
    const Limits narrow{.max_body = 1024, .max_command = 13};
    EXPECT_EQ(decode_sv(bytes({0x01, 0x51, 14}), narrow).error, Errc::unknown_command);
    EXPECT_EQ(decode_sv(bytes({0x01, 0x51, 13, 0, 0, 0, 0}), narrow).status, Status::ok);
    const Limits wide{.max_body = 1024, .max_command = 40};
    EXPECT_EQ(decode_sv(bytes({0x01, 0x51, 21, 0, 0, 0, 0}), wide).status, Status::ok);
}

TEST(TcpFrameErrors, NegativeLength) {
    for (auto len : {bytes({0xff, 0xff, 0xff, 0xff}), bytes({0x80, 0x00, 0x00, 0x00}),
                     bytes({0x80, 0x00, 0x00, 0x01})}) {
        const auto r = decode_sv(bytes({0x01, 0x51, 0x0b}) + len);
        EXPECT_EQ(r.status, Status::error);
        EXPECT_EQ(r.error, Errc::bad_length);
    }
}

TEST(TcpFrameErrors, BodyAboveMaxIsRejectedAsSoonAsTheHeaderIsComplete) {
    const Limits limits{.max_body = 100, .max_command = 20};
    // Exactly max_body: waits for the body.
    const auto at_limit = decode_sv(bytes({0x01, 0x51, 0x0b, 0x00, 0x00, 0x00, 100}), limits);
    EXPECT_EQ(at_limit.status, Status::need_more);
    EXPECT_EQ(at_limit.needed, kHeaderSize + 100);
    // One more: error with only the 7 header bytes present, no body.
    const auto over = decode_sv(bytes({0x01, 0x51, 0x0b, 0x00, 0x00, 0x00, 101}), limits);
    EXPECT_EQ(over.status, Status::error);
    EXPECT_EQ(over.error, Errc::body_too_large);
    // Same with synSeq (11-byte header).
    const auto syn =
        decode_sv(bytes({0x01, 0x20, 0, 0, 0, 1, 0x0b, 0x00, 0x00, 0x00, 101}), limits);
    EXPECT_EQ(syn.error, Errc::body_too_large);
    // The default limit (2 MiB) with the largest positive int32.
    const auto huge = decode_sv(bytes({0x01, 0x51, 0x0b, 0x7f, 0xff, 0xff, 0xff}));
    EXPECT_EQ(huge.status, Status::error);
    EXPECT_EQ(huge.error, Errc::body_too_large);
    // A header that is not yet complete is not judged.
    EXPECT_EQ(decode_sv(bytes({0x01, 0x51, 0x0b, 0x7f, 0xff, 0xff})).status, Status::need_more);
}

// ---- synSeq (spec §2.3) --------------------------------------------------------------------

TEST(TcpFrameSynSeq, Mask0x20AddsFourBigEndianBytes) {
    const std::string wire =
        bytes({0x01, 0x20, 0x01, 0x02, 0x03, 0x04, 0x0d, 0x00, 0x00, 0x00, 0x02, '{', '}'});
    const auto r = decode_sv(wire);
    ASSERT_EQ(r.status, Status::ok);
    EXPECT_TRUE(r.frame.has_syn_seq);
    EXPECT_EQ(r.frame.syn_seq, 0x01020304);
    EXPECT_EQ(r.frame.command, 13);
    EXPECT_EQ(r.frame.body, "{}");
    EXPECT_EQ(r.consumed, wire.size());
}

TEST(TcpFrameSynSeq, NegativeAndZeroSynSeqAndServerStyleMask) {
    const auto neg =
        decode_sv(bytes({0x01, 0xf1, 0xff, 0xff, 0xff, 0xfe, 0x05, 0x00, 0x00, 0x00, 0x00}));
    ASSERT_EQ(neg.status, Status::ok);
    EXPECT_TRUE(neg.frame.has_syn_seq);
    EXPECT_EQ(neg.frame.syn_seq, -2);
    EXPECT_EQ(neg.frame.mask, 0xf1);

    const auto zero = decode_sv(bytes({0x01, 0x20, 0, 0, 0, 0, 0x05, 0, 0, 0, 0}));
    ASSERT_EQ(zero.status, Status::ok);
    EXPECT_TRUE(zero.frame.has_syn_seq);
    EXPECT_EQ(zero.frame.syn_seq, 0);
}

TEST(TcpFrameSynSeq, HeaderWithSynSeqNeedsElevenBytes) {
    const std::string wire = bytes({0x01, 0x20, 0, 0, 0, 9, 0x05, 0, 0, 0, 0});
    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
        EXPECT_EQ(decode_sv(std::string_view(wire).substr(0, cut)).status, Status::need_more)
            << cut;
    }
    EXPECT_EQ(decode_sv(wire).status, Status::ok);
}

}  // namespace
}  // namespace jim::codec::tcp
