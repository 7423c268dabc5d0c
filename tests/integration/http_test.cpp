// HTTP/1.1 on the shared port: J-IM's /api routes made to work, the backend additions, the API
// key, and static files that can never escape their root.

#include <filesystem>
#include <fstream>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

namespace fs = std::filesystem;
using client::HttpClient;
using client::HttpHeaders;
using client::HttpResponse;
using client::parse_object;
using client::status_code;

class HttpTest : public ServerTest {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/jim-http-XXXXXX";
        base_ = mkdtemp(tmpl);
        fs::create_directories(base_ / "web" / "js");
        std::ofstream(base_ / "web" / "index.html") << "<!doctype html><title>jim</title>";
        std::ofstream(base_ / "web" / "js" / "app.js") << "console.log('hi');";
        std::ofstream(base_ / "secret.txt") << "top secret";
        fs::create_symlink(base_ / "secret.txt", base_ / "web" / "link.txt");
        start(options());
    }
    void TearDown() override {
        ServerTest::TearDown();
        fs::remove_all(base_);
    }
    net::ServerOptions options(const std::string& key = {}) {
        net::ServerOptions o;
        o.static_root = (base_ / "web").string();
        o.api_key = key;
        return o;
    }
    HttpClient http() {
        auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
        EXPECT_TRUE(c.has_value());
        return std::move(*c);
    }
    HttpResponse get(const std::string& target, const HttpHeaders& headers = {}) {
        HttpClient c = http();
        auto r = c.request("GET", target, headers, {}, kWait);
        EXPECT_TRUE(r.has_value()) << target;
        return r.value_or(HttpResponse{});
    }
    HttpResponse post(const std::string& target, const std::string& body = {},
                      const HttpHeaders& headers = {}) {
        HttpClient c = http();
        auto r = c.request("POST", target, headers, body, kWait);
        EXPECT_TRUE(r.has_value()) << target;
        return r.value_or(HttpResponse{});
    }

    fs::path base_;
};

TEST_F(HttpTest, ServesTheIndexWithTypeAndCachingHeaders) {
    const auto r = get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "<!doctype html><title>jim</title>");
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-cache");
    ASSERT_TRUE(r.header("ETag"));
    EXPECT_TRUE(r.header("Last-Modified"));
    const auto again = get("/index.html", {{"If-None-Match", *r.header("ETag")}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    const auto js = get("/js/app.js");
    EXPECT_EQ(js.status, 200);
    EXPECT_EQ(js.header("Content-Type").value_or(""), "text/javascript; charset=utf-8");
}

TEST_F(HttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    HttpClient c = http();
    for (int i = 0; i < 3; ++i) {
        const auto r = c.request("GET", "/api/users/online", {}, {}, kWait);
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->status, 200);
    }
    EXPECT_FALSE(c.wait_closed(kQuiet));
}

TEST_F(HttpTest, PathTraversalIsImpossible) {
    for (const char* target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt", "/%2E%2E%2Fsecret.txt",
          "/..%2fsecret.txt", "/link.txt", "/js/..%5c..%5csecret.txt", "//etc/passwd"}) {
        HttpClient c = http();
        ASSERT_TRUE(c.send_raw(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto r = c.read_response(kWait);
        ASSERT_TRUE(r) << target;
        EXPECT_NE(r->status, 200) << target;
        EXPECT_EQ(r->body.find("top secret"), std::string::npos) << target;
    }
}

TEST_F(HttpTest, UnknownFilesAndRoutesAreJson404) {
    const auto r = get("/nope.html");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json; charset=utf-8");
    EXPECT_EQ(parse_object(r.body)->at("error").as_string(), "not_found");
    EXPECT_EQ(get("/api/nope").status, 404);
    EXPECT_EQ(get("/test/abtest").status, 404);  // none of J-IM's /test endpoints
}

TEST_F(HttpTest, WebSocketUpgradeWorksOnAKeptAliveHttpConnection) {
    HttpClient c = http();
    const auto first = c.request("GET", "/api/users/online", {}, {}, kWait);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200);
    ASSERT_TRUE(
        c.send_raw("GET /?username=pooled&password=1 HTTP/1.1\r\nHost: x\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n"));
    const auto upgrade = c.read_response(kWait);
    ASSERT_TRUE(upgrade);
    EXPECT_EQ(upgrade->status, 101);
    EXPECT_TRUE(eventually([&] { return server().registry().online("pooled"); }));
}

TEST_F(HttpTest, WrongMethodsAre405) {
    const auto r = get("/api/message/send");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow").value_or(""), "POST");
    EXPECT_EQ(post("/index.html").status, 405);
}

TEST_F(HttpTest, ApiSendReachesTcpAndWsUsers) {
    TcpClient tcp_user = login("tcp-user");
    auto ws = client::WsClient::connect("127.0.0.1", server().port(),
                                        "/?username=ws-user&password=1", kWait);
    ASSERT_TRUE(ws.has_value());
    ASSERT_TRUE(ws->read_text_until(6, kWait));

    auto r = post("/api/message/send",
                  R"({"from":"backend","to":"tcp-user","chatType":2,"content":"hello tcp"})");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(status_code(r.body), 10000) << r.body;
    const auto push = tcp_user.read_until(11, kWait);
    ASSERT_TRUE(push);
    const auto data = parse_object(push->body)->at("data");
    EXPECT_EQ(data.at("from").as_string(), "backend");
    EXPECT_EQ(data.at("content").as_string(), "hello tcp");
    EXPECT_EQ(data.at("id").as_string(), parse_object(r.body)->at("data").at("id").as_string());

    r = post("/api/message/send",
             R"({"from":"backend","to":"ws-user","chatType":2,"content":"hello ws"})");
    EXPECT_EQ(status_code(r.body), 10000);
    const auto text = ws->read_text_until(11, kWait);
    ASSERT_TRUE(text);
    EXPECT_EQ(parse_object(*text)->at("data").at("content").as_string(), "hello ws");

    r = post("/api/message/send", R"({"from":"backend","to":"nobody","chatType":2,"content":"x"})");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(status_code(r.body), 10001);
}

TEST_F(HttpTest, ApiSendRefusesBadBodiesWith400) {
    for (const char* body : {"", "not json", R"({"to":"u","chatType":2,"content":"no from"})",
                             R"({"from":"b","chatType":2,"content":"no to"})"}) {
        const auto r = post("/api/message/send", body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(status_code(r.body), 10002) << body;
    }
}

TEST_F(HttpTest, OnlineApi) {
    EXPECT_EQ(status_code(get("/api/user/online?userid=carol").body), 10001);
    TcpClient carol = login("carol");
    const auto r = get("/api/user/online?userid=carol");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"code":10019,"msg":"online 用户在线"})");
    const auto missing = get("/api/user/online");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(status_code(missing.body), 10020);
    const auto list = parse_object(get("/api/users/online").body);
    EXPECT_EQ(list->at("count").as_int64(), 1);
    EXPECT_EQ(list->at("users").as_array().at(0).as_string(), "carol");
    const auto sessions = parse_object(get("/api/user/sessions?userid=carol").body);
    EXPECT_EQ(sessions->at("sessions").as_array().size(), 1u);
    EXPECT_EQ(sessions->at("sessions").as_array().at(0).at("protocol").as_string(), "tcp");
}

TEST_F(HttpTest, CloseApiKicksEverySessionOfTheUser) {
    TcpClient a = login("dave");
    TcpClient b = login("dave");
    const auto r = post("/api/user/close?userid=dave");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(status_code(r.body), 10021);
    EXPECT_EQ(parse_object(r.body)->at("data").at("closed").as_int64(), 2);
    EXPECT_TRUE(a.wait_closed(kWait));
    EXPECT_TRUE(b.wait_closed(kWait));
    EXPECT_EQ(status_code(post("/api/user/close").body), 10020);
}

TEST_F(HttpTest, ApiKeyIsEnforcedWhenConfigured) {
    start(options("s3cret-key"));
    EXPECT_EQ(get("/api/users/online").status, 401);
    EXPECT_EQ(get("/api/users/online", {{"Authorization", "Bearer wrong"}}).status, 401);
    EXPECT_EQ(get("/api/users/online", {{"Authorization", "Bearer s3cret-key"}}).status, 200);
    EXPECT_EQ(get("/").status, 200);  // the page itself is public
}

TEST_F(HttpTest, OversizeBodyIs413AndHugeHeadIs431) {
    HttpClient c = http();
    // The declared length alone is refused: the server answers before the body arrives.
    ASSERT_TRUE(
        c.send_raw("POST /api/message/send HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152"
                   "\r\n\r\n{\"from\":"));
    const auto big = c.read_response(kWait);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    HttpClient d = http();
    ASSERT_TRUE(
        d.send_raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n"));
    const auto huge = d.read_response(kWait);
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->status, 431);
    EXPECT_TRUE(d.wait_closed(kWait));
}

}  // namespace
}  // namespace jim::testing
