// HttpClient against in-test fake servers over plain TCP and TLS, and the pure response parser
// fed in every split.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/client.hpp"
#include "client/fake_server.hpp"
#include "client/test_tls.hpp"

namespace jim::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeServer;
using testing::ServerConn;

constexpr auto kTimeout = 5s;

const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
    "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";

TEST(HttpParse, ChunkedResponseNeedsEveryByte) {
    for (std::size_t cut = 0; cut < kChunked.size(); ++cut) {
        const auto r = parse_response(kChunked.substr(0, cut), false, false);
        EXPECT_EQ(r.status, HttpParseStatus::need_more) << cut;
    }
    const auto r = parse_response(kChunked + "HTTP/1.1 204", false, false);
    ASSERT_EQ(r.status, HttpParseStatus::ok);
    EXPECT_EQ(r.consumed, kChunked.size());
    EXPECT_TRUE(r.response.chunked);
    EXPECT_EQ(r.response.body, "helloabcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(r.response.header("SET-COOKIE"), "a=1");
    EXPECT_EQ(r.response.headers.get_all("set-cookie"), (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(HttpParse, BodyFraming) {
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
    EXPECT_EQ(parse_response(head + "ab", false, false).status, HttpParseStatus::need_more);
    EXPECT_EQ(parse_response(head + "abcd", false, false).response.body, "abc");
    EXPECT_EQ(parse_response(head, true, false).consumed, head.size());  // HEAD: no body
    const std::string no_length = "HTTP/1.0 200 OK\r\n\r\nuntil close";
    EXPECT_EQ(parse_response(no_length, false, false).status, HttpParseStatus::need_more);
    const auto closed = parse_response(no_length, false, true);
    ASSERT_EQ(closed.status, HttpParseStatus::ok);
    EXPECT_TRUE(closed.response.until_close);
    EXPECT_EQ(closed.response.body, "until close");
    EXPECT_EQ(parse_response("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, false)
                  .status,
              HttpParseStatus::ok);
    EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false, false).status,
              HttpParseStatus::error);
    EXPECT_EQ(
        parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, false)
            .status,
        HttpParseStatus::error);
    EXPECT_EQ(parse_response("SSH-2.0-x\r\n\r\n", false, false).status, HttpParseStatus::error);
}

TEST(HttpHead, RequestHeadReplacesAndDropsDefaults) {
    const HttpHeaders defaults{{"Host", "h:1"}, {"Content-Length", "0"}};
    const HttpHeaders extra{{"host", "other"}, {"content-length", ""}, {"X-Empty", ""}};
    EXPECT_EQ(build_request_head("GET", "/x?y=1", defaults, extra),
              "GET /x?y=1 HTTP/1.1\r\nHost: other\r\nX-Empty:\r\n\r\n");
    EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
    EXPECT_FALSE(has_token("keep-alive,upgraded", "upgrade"));
}

class HttpClientTest : public ::testing::TestWithParam<bool> {
  protected:
    std::unique_ptr<FakeServer> serve(FakeServer::Script script) {
        return std::make_unique<FakeServer>(
            std::move(script), GetParam() ? testing::shared_server_context() : nullptr);
    }
    HttpClient connect(const FakeServer& server) {
        ConnectOptions o;
        o.tls = GetParam();
        auto c = HttpClient::connect("127.0.0.1", server.port(), kTimeout, o);
        EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
        return std::move(c.value());
    }
};

TEST_P(HttpClientTest, KeepAliveServesTwoResponsesOneChunked) {
    std::string first;
    std::string second;
    std::string second_body;
    auto server = serve([&](ServerConn& c) {
        first = c.read_until("\r\n\r\n").value_or("");
        c.write(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n"
            "content-length: 12\r\n\r\n{\"ret\":\"OK\"}");
        second = c.read_until("\r\n\r\n").value_or("");
        second_body = c.read_exact(5).value_or("");
        c.write_bytewise(kChunked);
    });
    auto client = connect(*server);
    auto r1 = client.request("GET", "/test/json", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(r1.has_value());
    EXPECT_EQ(r1->status, 200);
    EXPECT_EQ(r1->reason, "OK");
    EXPECT_EQ(r1->header("Content-Type"), "application/json");
    EXPECT_EQ(r1->body, R"({"ret":"OK"})");
    auto r2 = client.request("POST", "/test/plain", {}, "hello", kTimeout);
    ASSERT_TRUE(r2.has_value());
    EXPECT_TRUE(r2->chunked);
    EXPECT_EQ(r2->body, "helloabcdefghijklmnopqrstuvwxyz");
    EXPECT_TRUE(client.wait_closed(kTimeout));
    server->join();
    EXPECT_EQ(first, "GET /test/json HTTP/1.1\r\nHost: 127.0.0.1:" +
                         std::to_string(server->port()) + "\r\nAccept-Encoding: identity\r\n\r\n");
    EXPECT_NE(second.find("POST /test/plain HTTP/1.1\r\n"), std::string::npos);
    EXPECT_NE(second.find("\r\nContent-Length: 5\r\n"), std::string::npos);
    EXPECT_EQ(second_body, "hello");
}

TEST_P(HttpClientTest, HeadSplitInPiecesAndBodyEndedByClose) {
    std::string head;
    auto server = serve([&](ServerConn& c) {
        head = c.read_until("\r\n\r\n").value_or("");
        c.write("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nbye");
    });
    auto client = connect(*server);
    ASSERT_TRUE(client.send_raw("GET / HT"));
    ASSERT_TRUE(client.send_raw("TP/1.1\r\nHost: x\r"));
    ASSERT_TRUE(client.send_raw("\n\r\n"));
    auto r = client.read_response(kTimeout);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->until_close);
    EXPECT_EQ(r->body, "bye");
    EXPECT_TRUE(client.peer_closed());
    server->join();
    EXPECT_EQ(head, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST_P(HttpClientTest, TimedOutReadCanBeRepeated) {
    auto server = serve([&](ServerConn& c) {
        c.read_until("\r\n\r\n");
        c.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab");
        c.read_exact(1);  // the client's go-ahead
        c.write("cdHTTP/1.1 204 No Content\r\n\r\n");
        c.read_exact(1);
    });
    auto client = connect(*server);
    EXPECT_FALSE(client.request("GET", "/", {}, {}, 20ms).has_value());
    EXPECT_FALSE(client.peer_closed());
    ASSERT_TRUE(client.send_raw("!"));
    auto r = client.read_response(kTimeout);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "abcd");
    auto pipelined = client.read_response(kTimeout);
    ASSERT_TRUE(pipelined.has_value());
    EXPECT_EQ(pipelined->status, 204);
    EXPECT_EQ(pipelined->reason, "No Content");
    client.send_raw("!");
}

TEST_P(HttpClientTest, HeadResponseHasNoBody) {
    auto server = serve([&](ServerConn& c) {
        c.read_until("\r\n\r\n");
        c.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n");
        c.read_until("\r\n\r\n");
        c.write("HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\n404");
    });
    auto client = connect(*server);
    auto head = client.request("HEAD", "/index.html", {}, {}, kTimeout);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->header("content-length"), "10");
    EXPECT_EQ(head->body, "");
    auto missing = client.request("GET", "/nope", {}, {}, kTimeout);
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->body, "404");
}

TEST_P(HttpClientTest, MalformedResponseIsAProtocolError) {
    auto server = serve([&](ServerConn& c) {
        c.read_until("\r\n\r\n");
        c.write("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n");
        c.read_exact(1);
    });
    auto client = connect(*server);
    EXPECT_FALSE(client.request("GET", "/", {}, {}, kTimeout).has_value());
    EXPECT_TRUE(client.protocol_error());
    EXPECT_TRUE(client.peer_closed());
    client.close();
}

INSTANTIATE_TEST_SUITE_P(Transports, HttpClientTest, ::testing::Values(false, true),
                         testing::transport_name);

}  // namespace
}  // namespace jim::client
