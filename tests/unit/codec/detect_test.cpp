// Protocol detection on the shared port (spec §1.2, §1.3).
#include "jim/codec/detect.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace jim::codec {
namespace {

using S = DetectResult::Status;

constexpr std::size_t kMaxHead = 8192;

DetectResult detect_sv(std::string_view s, std::size_t max_head = kMaxHead) {
    return detect(std::span<const char>(s.data(), s.size()), max_head);
}

constexpr std::string_view kHttp =
    "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nAccept: */*\r\n\r\n";
constexpr std::string_view kWs =
    "GET /?username=u1&password=123 HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

TEST(Detect, EmptyNeedsMore) {
    const auto r = detect_sv({});
    EXPECT_EQ(r.status, S::need_more);
    EXPECT_EQ(r.protocol, Protocol::unknown);
}

TEST(Detect, FirstByte0x01IsTcp) {
    for (std::string_view in : {std::string_view("\x01", 1), std::string_view("\x01\x51\x05", 3)}) {
        const auto r = detect_sv(in);
        EXPECT_EQ(r.status, S::done);
        EXPECT_EQ(r.protocol, Protocol::tcp);
    }
}

TEST(Detect, FirstByte0x16IsTls) {
    const auto r = detect_sv(std::string_view("\x16\x03\x01\x02\x00", 5));
    EXPECT_EQ(r.status, S::done);
    EXPECT_EQ(r.protocol, Protocol::tls);
}

TEST(Detect, CompleteHeadIsHttp) {
    const auto r = detect_sv(kHttp);
    EXPECT_EQ(r.status, S::done);
    EXPECT_EQ(r.protocol, Protocol::http);
    EXPECT_EQ(r.head_size, kHttp.size());
    EXPECT_EQ(r.error, Errc::ok);
}

TEST(Detect, HeadSizeExcludesFollowingBody) {
    const std::string in = std::string(kHttp) + "body bytes";
    const auto r = detect_sv(in);
    EXPECT_EQ(r.status, S::done);
    EXPECT_EQ(r.head_size, kHttp.size());
}

TEST(Detect, RequestLineOnlyAndHttp10) {
    const auto r = detect_sv("POST /api HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.status, S::done);
    EXPECT_EQ(r.protocol, Protocol::http);
}

TEST(Detect, SecWebSocketKeyIsWebSocket) {
    const auto r = detect_sv(kWs);
    EXPECT_EQ(r.status, S::done);
    EXPECT_EQ(r.protocol, Protocol::websocket);
    EXPECT_EQ(r.head_size, kWs.size());
}

TEST(Detect, SecWebSocketKeyInAnyCase) {
    for (std::string_view name :
         {"sec-websocket-key", "SEC-WEBSOCKET-KEY", "Sec-Websocket-Key", "sEc-WeBsOcKeT-kEy"}) {
        const std::string head =
            "GET / HTTP/1.1\r\nHost: h\r\n" + std::string(name) + ": x\r\n\r\n";
        const auto r = detect_sv(head);
        EXPECT_EQ(r.status, S::done) << name;
        EXPECT_EQ(r.protocol, Protocol::websocket) << name;
    }
}

TEST(Detect, OnlyTheHeaderNameCounts) {
    // Upgrade/Connection alone do not make WebSocket (spec §1.2); neither does the key text in a
    // value, the target or the body.
    for (std::string_view head : {
             "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
             "GET / HTTP/1.1\r\nX-Note: Sec-WebSocket-Key: x\r\n\r\n",
             "GET /Sec-WebSocket-Key:x HTTP/1.1\r\nHost: h\r\n\r\n",
             "GET / HTTP/1.1\r\nSec-WebSocket-Key-Extra: x\r\n\r\n",
         }) {
        const auto r = detect_sv(head);
        EXPECT_EQ(r.status, S::done) << head;
        EXPECT_EQ(r.protocol, Protocol::http) << head;
    }
    const std::string with_body = std::string(kHttp) + "Sec-WebSocket-Key: x\r\n\r\n";
    EXPECT_EQ(detect_sv(with_body).protocol, Protocol::http);
}

TEST(Detect, HeadSplitAtEveryOffsetNeedsMoreUntilComplete) {
    for (std::string_view head : {kHttp, kWs}) {
        const auto whole = detect_sv(head);
        ASSERT_EQ(whole.status, S::done);
        for (std::size_t cut = 0; cut < head.size(); ++cut) {
            const auto r = detect_sv(head.substr(0, cut));
            EXPECT_EQ(r.status, S::need_more) << "cut at " << cut;
            EXPECT_EQ(r.error, Errc::ok) << "cut at " << cut;
        }
    }
}

std::string head_of_size(std::size_t size, bool websocket) {
    std::string head = "GET /big HTTP/1.1\r\nHost: h\r\n";
    if (websocket) head += "Sec-WebSocket-Key: abc\r\n";
    const std::string prefix = "X-Pad: ";
    const std::size_t fixed = head.size() + prefix.size() + 4;  // pad line CRLF + blank line
    head += prefix + std::string(size - fixed, 'p') + "\r\n\r\n";
    return head;
}

TEST(Detect, HeadLargerThanJimsReadBufferIsAccepted) {
    // J-IM fails above 2048 bytes (spec §1.2, §11.2); we accept up to max_head.
    for (bool ws : {false, true}) {
        const std::string head = head_of_size(5000, ws);
        ASSERT_EQ(head.size(), 5000u);
        const auto r = detect_sv(head);
        EXPECT_EQ(r.status, S::done);
        EXPECT_EQ(r.protocol, ws ? Protocol::websocket : Protocol::http);
        EXPECT_EQ(r.head_size, 5000u);
        // And it may arrive in pieces of J-IM's read buffer size.
        for (std::size_t cut = 2048; cut < head.size(); cut += 2048) {
            EXPECT_EQ(detect_sv(std::string_view(head).substr(0, cut)).status, S::need_more);
        }
    }
}

TEST(Detect, HeadExactlyMaxIsAcceptedOneMoreIsTooLarge) {
    const std::string exact = head_of_size(kMaxHead, false);
    EXPECT_EQ(detect_sv(exact).status, S::done);
    EXPECT_EQ(detect_sv(exact).head_size, kMaxHead);

    const std::string over = head_of_size(kMaxHead + 1, false);
    const auto r = detect_sv(over);
    EXPECT_EQ(r.status, S::error);
    EXPECT_EQ(r.error, Errc::head_too_large);
}

TEST(Detect, UnterminatedHeadBeyondMaxIsTooLarge) {
    const std::string head = "GET / HTTP/1.1\r\nX-Pad: " + std::string(kMaxHead, 'p');
    const auto r = detect_sv(head);
    EXPECT_EQ(r.status, S::error);
    EXPECT_EQ(r.error, Errc::head_too_large);
    // Up to max_head bytes without the blank line is still a head that may complete.
    EXPECT_EQ(detect_sv(std::string_view(head).substr(0, kMaxHead)).status, S::need_more);
}

TEST(Detect, GarbageIsRefusedWithoutWaitingForMaxHead) {
    for (std::string_view in : {
             std::string_view("\x00\xff", 2),
             std::string_view("\x00", 1),
             std::string_view("\xff", 1),
             std::string_view("hello\r\n\r\n"),
             std::string_view("hello\r\n"),
             std::string_view("GET\r\n"),
             std::string_view(" GET / HTTP/1.1\r\n"),
             std::string_view("GET /\x01x HTTP/1.1"),
             std::string_view("GET / \x7f"),
             std::string_view("GET /\tHTTP/1.1"),
             std::string_view("GET / HTTP/2.0\r\n"),
             std::string_view("GET / FTP/1.1\r\n\r\n"),
             std::string_view("GET /\r\n\r\n"),
             std::string_view("{\"cmd\":5}"),
         }) {
        const auto r = detect_sv(in);
        EXPECT_EQ(r.status, S::error) << testing::PrintToString(std::string(in));
        EXPECT_EQ(r.error, Errc::bad_http_head) << testing::PrintToString(std::string(in));
    }
}

TEST(Detect, OverlongMethodIsRefusedEarly) {
    const std::string method(64, 'A');
    EXPECT_EQ(detect_sv(method).status, S::error);
    EXPECT_EQ(detect_sv(method + " / HTTP/1.1\r\n\r\n").status, S::error);
}

TEST(Detect, SmallMaxHead) {
    EXPECT_EQ(detect_sv("GET / HTTP/1.1\r\n\r\n", 18).status, S::done);
    const auto r = detect_sv("GET / HTTP/1.1\r\n\r\n", 17);
    EXPECT_EQ(r.status, S::error);
    EXPECT_EQ(r.error, Errc::head_too_large);
}

TEST(Detect, ProtocolNames) {
    EXPECT_STREQ(protocol_name(Protocol::tcp), "tcp");
    EXPECT_STREQ(protocol_name(Protocol::tls), "tls");
    EXPECT_STREQ(protocol_name(Protocol::http), "http");
    EXPECT_STREQ(protocol_name(Protocol::websocket), "ws");
    EXPECT_STREQ(protocol_name(Protocol::unknown), "unknown");
}

}  // namespace
}  // namespace jim::codec
