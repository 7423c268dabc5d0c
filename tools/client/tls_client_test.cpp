// The TLS transport: J-IM TCP frames over TLS, certificate verification on and off, SNI, the
// handshake deadline, large transfers, and no SIGPIPE when the peer resets.

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/client.hpp"
#include "client/fake_server.hpp"
#include "client/test_tls.hpp"
#include "jim/codec/tcp_frame.hpp"

namespace jim::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeServer;
using testing::ServerConn;
namespace tcp = jim::codec::tcp;

constexpr auto kTimeout = 5s;

std::string server_frame(std::uint8_t command, std::string_view body) {
    std::string out;
    tcp::encode(command, body, out);
    return out;
}

// The body of one J-IM client frame read on the server side.
std::optional<std::string> read_client_body(ServerConn& c) {
    const auto header = c.read_exact(tcp::kHeaderSize);
    if (!header) return std::nullopt;
    const auto r = tcp::decode(*header, tcp::Limits{64u * 1024 * 1024, 255});
    if (r.status == tcp::Status::ok) return std::string();
    if (r.status != tcp::Status::need_more || r.needed < tcp::kHeaderSize) return std::nullopt;
    return c.read_exact(r.needed - tcp::kHeaderSize);
}

ConnectOptions tls_options(std::string ca_file = {}, std::string server_name = {}) {
    ConnectOptions o;
    o.tls = true;
    o.ca_file = std::move(ca_file);
    o.server_name = std::move(server_name);
    return o;
}

TEST(TlsTcpClient, LoginOverTlsWithRecordsOfOneByte) {
    std::optional<std::string> login_req;
    FakeServer server(
        [&](ServerConn& c) {
            login_req = read_client_body(c);
            c.write_bytewise(server_frame(6, R"({"code":10007,"command":6})"));
        },
        testing::shared_server_context());
    auto client = TcpClient::connect("localhost", server.port(), kTimeout, tls_options());
    ASSERT_TRUE(client.has_value()) << client.error().message();
    EXPECT_TRUE(client->is_tls());
    auto reply = client->login("u1", "123", kTimeout);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(status_code(*reply), 10007);
    EXPECT_TRUE(client->wait_closed(kTimeout));  // close_notify is a clean close
    server.join();
    EXPECT_TRUE(server.handshake_ok());
    EXPECT_EQ(server.sni(), "localhost");
    ASSERT_TRUE(login_req.has_value());
    EXPECT_EQ(string_member(*login_req, "userId"), "u1");
}

TEST(TlsStream, NegotiatesTls12OrLaterAndSendsNoSniForIpLiterals) {
    FakeServer server([](ServerConn& c) { c.wait_eof(); }, testing::shared_server_context());
    auto stream = Stream::connect("127.0.0.1", server.port(), kTimeout, tls_options());
    ASSERT_TRUE(stream.has_value()) << stream.error().message();
    const std::string version = stream->tls_version();
    EXPECT_TRUE(version == "TLSv1.3" || version == "TLSv1.2") << version;
    stream->close();
    server.join();
    EXPECT_EQ(server.sni(), "");
}

TEST(TlsStream, VerifiesAgainstTheGivenCa) {
    const testing::TempFile ca(testing::shared_test_certificate().cert_pem);
    for (const std::string host : {"localhost", "127.0.0.1"}) {
        FakeServer server([](ServerConn& c) { c.wait_eof(); }, testing::shared_server_context());
        auto stream = Stream::connect(host, server.port(), kTimeout, tls_options(ca.path()));
        EXPECT_TRUE(stream.has_value()) << host << ": " << stream.error().message();
    }
}

TEST(TlsStream, RefusesAnUntrustedCertificateOrAWrongName) {
    const testing::TempFile other_ca(testing::make_self_signed_certificate().cert_pem);
    const testing::TempFile right_ca(testing::shared_test_certificate().cert_pem);
    struct Case {
        std::string ca;
        std::string name;
    };
    for (const auto& test : {Case{other_ca.path(), ""}, Case{right_ca.path(), "example.com"}}) {
        FakeServer server([](ServerConn&) {}, testing::shared_server_context());
        auto stream =
            Stream::connect("localhost", server.port(), kTimeout, tls_options(test.ca, test.name));
        ASSERT_FALSE(stream.has_value());
        EXPECT_EQ(stream.error().category().name(), std::string("x509"));
        EXPECT_NE(stream.error().message().find("certificate verify failed"), std::string::npos)
            << stream.error().message();
    }
    FakeServer server([](ServerConn&) {}, testing::shared_server_context());
    auto missing =
        Stream::connect("localhost", server.port(), kTimeout, tls_options("/nonexistent/ca.pem"));
    EXPECT_FALSE(missing.has_value());
}

TEST(TlsStream, HandshakeObeysTheDeadline) {
    FakeServer server([](int fd) {
        // Swallow the ClientHello and never answer, until the client gives up and closes.
        char buf[4096];
        while (::recv(fd, buf, sizeof buf, 0) > 0) {
        }
    });
    const auto start = std::chrono::steady_clock::now();
    auto stream = Stream::connect("127.0.0.1", server.port(), 100ms, tls_options());
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(stream.has_value());
    EXPECT_EQ(stream.error(), boost::system::errc::timed_out);
    EXPECT_LT(took, 2s);
}

TEST(TlsTcpClient, LargeFramesBothWays) {
    const std::string big(3u * 1024 * 1024, 'z');
    std::optional<std::string> received;
    FakeServer server(
        [&](ServerConn& c) {
            received = read_client_body(c);
            c.write(server_frame(11, big));
        },
        testing::shared_server_context());
    auto client = TcpClient::connect("127.0.0.1", server.port(), kTimeout, tls_options());
    ASSERT_TRUE(client.has_value()) << client.error().message();
    ASSERT_TRUE(client->send(11, big));
    auto f = client->read(kTimeout);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->body.size(), big.size());
    server.join();
    ASSERT_TRUE(received.has_value());
    EXPECT_EQ(*received, big);
}

TEST(TlsTcpClient, ServerClosingWithoutCloseNotifyIsAPlainClose) {
    FakeServer server(
        [&](ServerConn& c) {
            c.write(server_frame(12, "{}"));
            ::shutdown(c.fd(), SHUT_RDWR);
        },
        testing::shared_server_context());
    auto client = TcpClient::connect("127.0.0.1", server.port(), kTimeout, tls_options());
    ASSERT_TRUE(client.has_value()) << client.error().message();
    auto f = client->read(kTimeout);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->command, 12);
    EXPECT_TRUE(client->wait_closed(kTimeout));
}

// A write to a reset connection must fail, not kill the process with SIGPIPE.
class ResetTest : public ::testing::TestWithParam<bool> {};

TEST_P(ResetTest, WritingToAResetConnectionFailsQuietly) {
    FakeServer server(
        [](ServerConn& c) {
            c.read_exact(1);
            const linger abort{1, 0};
            ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
            ::shutdown(c.fd(), SHUT_RDWR);  // with linger 0 the close below sends RST
        },
        GetParam() ? testing::shared_server_context() : nullptr);
    ConnectOptions o;
    o.tls = GetParam();
    auto client = TcpClient::connect("127.0.0.1", server.port(), kTimeout, o);
    ASSERT_TRUE(client.has_value()) << client.error().message();
    ASSERT_TRUE(client->send_raw("!"));
    server.join();
    bool failed = false;
    for (int i = 0; i < 100 && !failed; ++i) failed = !client->send(13, std::string(4096, ' '));
    EXPECT_TRUE(failed);
    EXPECT_TRUE(client->peer_closed());
}

INSTANTIATE_TEST_SUITE_P(Transports, ResetTest, ::testing::Values(false, true),
                         testing::transport_name);

}  // namespace
}  // namespace jim::client
