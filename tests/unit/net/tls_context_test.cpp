// TlsContext and new_tls_session: the suites the server picks, over a socketpair with an
// OpenSSL client in a second thread.

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "jim/net/tls.hpp"

namespace jim::net {
namespace {

class TlsContextTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/jim-tls-ctx-XXXXXX";
        dir_ = mkdtemp(tmpl);
        const auto [cert, key] = generate_self_signed(dir_, "localhost");
        ctx_ = std::make_unique<TlsContext>(cert, key);
    }
    void TearDown() override {
        ctx_.reset();
        std::filesystem::remove_all(dir_);
    }

    // Handshakes with a client offering `client_suites` (TLS 1.3 names; empty: OpenSSL's
    // defaults) and returns the suite the server chose, or "" when the handshake failed.
    std::string negotiate(const std::string& client_suites) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return "";
        std::thread client([fd = sv[1], &client_suites] {
            // Its alert after the server's close must not raise SIGPIPE (as in Worker::start).
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
            SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
            if (!client_suites.empty()) SSL_CTX_set_ciphersuites(cctx, client_suites.c_str());
            SSL* ssl = SSL_new(cctx);
            SSL_set_fd(ssl, fd);
            if (SSL_connect(ssl) == 1) {
                char c = 0;
                SSL_read(ssl, &c, 1);  // until the server closes
            }
            SSL_free(ssl);
            SSL_CTX_free(cctx);
        });
        std::string chosen;
        auto session = new_tls_session(*ctx_, sv[0]);
        if (session && SSL_accept(session->ssl.get()) == 1) {
            chosen = SSL_CIPHER_get_name(SSL_get_current_cipher(session->ssl.get()));
        }
        session.reset();
        ::shutdown(sv[0], SHUT_RDWR);
        client.join();
        ::close(sv[0]);
        ::close(sv[1]);
        return chosen;
    }

    std::string dir_;
    std::unique_ptr<TlsContext> ctx_;
};

// The server's order wins: ChaCha20-Poly1305, whose cipher contexts are the smallest a
// connection keeps for life (bench/tls_memory_bench.cpp).
TEST_F(TlsContextTest, PrefersChacha20WhenTheClientOffersTheDefaults) {
    EXPECT_EQ(negotiate(""), "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_F(TlsContextTest, AcceptsClientsThatOfferOnlyAesGcm) {
    EXPECT_EQ(negotiate("TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(negotiate("TLS_AES_128_GCM_SHA256"), "TLS_AES_128_GCM_SHA256");
}

}  // namespace
}  // namespace jim::net
