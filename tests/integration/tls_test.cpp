// TLS on the shared port: TLS-TCP, wss and https on one port, detected by the ClientHello.

#include <filesystem>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "jim/net/tls.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::status_code;

class TlsTest : public ServerTest {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/jim-tls-XXXXXX";
        dir_ = mkdtemp(tmpl);
        const auto [cert, key] = net::generate_self_signed(dir_, "localhost");
        net::ServerOptions o;
        o.tls_cert = cert;
        o.tls_key = key;
        start(o);
    }
    void TearDown() override {
        ServerTest::TearDown();
        std::filesystem::remove_all(dir_);
    }
    static client::ConnectOptions tls() {
        client::ConnectOptions o;
        o.tls = true;
        return o;
    }
    std::string dir_;
};

TEST_F(TlsTest, TcpWssAndHttpsShareThePlainPort) {
    auto tcp = TcpClient::connect("127.0.0.1", server().port(), kWait, tls());
    ASSERT_TRUE(tcp.has_value());
    EXPECT_EQ(status_code(tcp->login("tls-tcp", "1", kWait).value_or("")), 10007);

    client::WsOptions wo;
    wo.transport = tls();
    auto wss = client::WsClient::connect("127.0.0.1", server().port(),
                                         "/?username=tls-ws&password=1", kWait, wo);
    ASSERT_TRUE(wss.has_value()) << wss.error().message();
    EXPECT_TRUE(wss->is_tls());
    EXPECT_EQ(status_code(wss->read_text_until(6, kWait).value_or("")), 10007);

    auto https = client::HttpClient::connect("127.0.0.1", server().port(), kWait, tls());
    ASSERT_TRUE(https.has_value());
    const auto r = https->request("GET", "/api/users/online", {}, {}, kWait);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"count\":2"), std::string::npos) << r->body;

    // Plain TCP still works on the same port.
    TcpClient plain = login("plain");
    ASSERT_TRUE(tcp->send(11, chat_json("tls-tcp", "tls-ws", "across TLS")));
    EXPECT_EQ(status_code(tcp->read_until(12, kWait).value_or(client::Frame{}).body), 10000);
    EXPECT_NE(wss->read_text_until(11, kWait).value_or("").find("across TLS"), std::string::npos);
}

TEST_F(TlsTest, LargeMessagesCrossTlsIntact) {
    auto a = TcpClient::connect("127.0.0.1", server().port(), kWait, tls());
    auto b = TcpClient::connect("127.0.0.1", server().port(), kWait, tls());
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(a->login("big-a", "1", kWait));
    ASSERT_TRUE(b->login("big-b", "1", kWait));
    const std::string content(200000, 'z');  // many TLS records
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->send(11, chat_json("big-a", "big-b", content)));
    for (int i = 0; i < 5; ++i) {
        const auto f = b->read_until(11, kWait);
        ASSERT_TRUE(f) << i;
        EXPECT_NE(f->body.find(content), std::string::npos);
    }
}

TEST_F(TlsTest, GarbageAfterTheRecordByteIsClosed) {
    TcpClient c = connect();
    ASSERT_TRUE(c.send_raw(std::string("\x16\x03\x01\x00\x05hello", 10)));
    EXPECT_TRUE(c.wait_closed(kWait));
}

}  // namespace
}  // namespace jim::testing
