// auth.mode = "jwt" end to end: tokens signed here, presented in cmd 5 or the WebSocket query.

#include <chrono>

#include "client/test_jwt.hpp"
#include "client/test_tls.hpp"
#include "client/ws_client.hpp"
#include "jim/auth/jwt.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;
using client::testing::base64url_encode;
using client::testing::shared_rsa_key;
using client::testing::sign_hs256;
using client::testing::sign_rs256;

const std::string kSecret = "integration-secret";
constexpr std::string_view kHs = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kRs = R"({"alg":"RS256","typ":"JWT"})";

std::string claims(std::string_view sub, std::chrono::seconds from_now) {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + from_now)
                         .count();
    return R"({"sub":")" + std::string(sub) + R"(","nick":"N-)" + std::string(sub) + R"(","exp":)" +
           std::to_string(exp) + "}";
}

class JwtTest : public ServerTest {
  protected:
    void SetUp() override {
        use_authenticator(auth::make_jwt_authenticator({kSecret, pub_.path()}, clock_));
        ServerTest::SetUp();
    }
    // Sends cmd 5 with `token` only and returns the cmd-6 reply body ("" if none).
    std::string login_with(TcpClient& c, const std::string& token) {
        EXPECT_TRUE(c.send(5, R"({"cmd":5,"token":")" + token + "\"}"));
        return c.read_until(6, kWait).value_or(Frame{}).body;
    }
    void expect_refused(const std::string& token, std::string_view reason) {
        TcpClient c = connect();
        const std::string reply = login_with(c, token);
        EXPECT_EQ(status_code(reply), 10008) << reply;
        EXPECT_NE(reply.find(reason), std::string::npos) << reply;
        EXPECT_TRUE(c.wait_closed(kWait));
    }

    client::testing::TempFile pub_{shared_rsa_key().public_pem};
};

TEST_F(JwtTest, ValidHs256TokenInCmd5LogsInAsTheSubject) {
    TcpClient c = connect();
    const std::string reply = login_with(c, sign_hs256(kHs, claims("alice", 60s), kSecret));
    ASSERT_EQ(status_code(reply), 10007) << reply;
    const auto o = parse_object(reply);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->at("user").at("userId").as_string(), "alice");
    EXPECT_EQ(o->at("user").at("nick").as_string(), "N-alice");
    EXPECT_TRUE(eventually([&] { return server().registry().online("alice"); }));
    // A logged-in JWT session chats like any other.
    TcpClient bob = connect();
    ASSERT_EQ(status_code(login_with(bob, sign_hs256(kHs, claims("bob", 60s), kSecret))), 10007);
    ASSERT_TRUE(c.send(11, chat_json("alice", "bob", "hi")));
    EXPECT_EQ(status_code(c.read_until(12, kWait).value_or(Frame{}).body), 10000);
    EXPECT_TRUE(bob.read_until(11, kWait));
}

TEST_F(JwtTest, ValidRs256TokenInTheWebSocketQueryLogsIn) {
    const auto token = sign_rs256(kRs, claims("carol", 60s), shared_rsa_key().private_pem);
    auto ws = client::WsClient::connect("127.0.0.1", server().port(), "/?token=" + token, kWait);
    ASSERT_TRUE(ws.has_value());
    const auto reply = ws->read_text_until(6, kWait);
    ASSERT_TRUE(reply);
    EXPECT_EQ(status_code(*reply), 10007) << *reply;
    EXPECT_TRUE(eventually([&] { return server().registry().online("carol"); }));
}

TEST_F(JwtTest, ExpiredTokenIsRefusedAndClosed) {
    expect_refused(sign_hs256(kHs, claims("dave", -1s), kSecret), "token expired");
    EXPECT_FALSE(server().registry().online("dave"));
    EXPECT_TRUE(eventually([&] { return server().stats().closed_by(Errc::login_failed) == 1; }));
}

TEST_F(JwtTest, BadSignatureIsRefused) {
    expect_refused(sign_hs256(kHs, claims("eve", 60s), "not-the-secret"), "bad token signature");
    const auto rs = sign_rs256(kRs, claims("eve", 60s), shared_rsa_key().private_pem);
    const std::string other_payload = base64url_encode(claims("admin", 60s));
    const auto d1 = rs.find('.');
    const auto d2 = rs.rfind('.');
    expect_refused(rs.substr(0, d1 + 1) + other_payload + rs.substr(d2), "bad token signature");
    EXPECT_FALSE(server().registry().online("admin"));
}

TEST_F(JwtTest, AlgNoneIsRefused) {
    const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                             base64url_encode(claims("mallory", 60s)) + ".";
    expect_refused(none, "token algorithm not accepted");
    // Over the WebSocket query too: 10008, then close 1008.
    auto ws = client::WsClient::connect("127.0.0.1", server().port(), "/?token=" + none, kWait);
    ASSERT_TRUE(ws.has_value());
    EXPECT_EQ(status_code(ws->read_text_until(6, kWait).value_or("")), 10008);
    EXPECT_TRUE(ws->wait_closed(kWait));
    EXPECT_FALSE(server().registry().online("mallory"));
}

TEST_F(JwtTest, PasswordWithoutTokenIsRefused) {
    TcpClient c = connect();
    const auto reply = c.login("alice", "123", kWait);
    EXPECT_EQ(status_code(reply.value_or("")), 10008);
}

}  // namespace
}  // namespace jim::testing
