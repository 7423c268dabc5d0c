#pragma once
// Throw-away TLS material for tests (library jim_client_testing): a self-signed EC P-256
// certificate valid for one day, made with the OpenSSL API at test time (nothing secret is ever
// committed), a temporary file to hand it to a server or to ConnectOptions::ca_file, and a
// server SSL_CTX for in-test fake servers. Thread: any (objects: one thread at a time).

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jim::client::testing {

struct TestCertificate {
    std::string cert_pem;  // "-----BEGIN CERTIFICATE-----..."
    std::string key_pem;   // "-----BEGIN PRIVATE KEY-----..." (PKCS#8, unencrypted)
};

// A self-signed certificate for `common_name` whose subjectAltName lists every entry of
// `dns_names` and `ip_addresses`; valid from a minute ago for one day. Throws std::runtime_error
// if OpenSSL fails (test set-up only).
TestCertificate make_self_signed_certificate(
    std::string_view common_name = "localhost",
    const std::vector<std::string>& dns_names = {"localhost"},
    const std::vector<std::string>& ip_addresses = {"127.0.0.1"});

// A file in the temporary directory holding `contents`; removed by the destructor.
class TempFile {
  public:
    explicit TempFile(std::string_view contents, std::string_view suffix = ".pem");
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile();
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct SslCtxDeleter {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// A TLS 1.2+ server context presenting `cert`. Throws std::runtime_error on failure.
SslCtxPtr make_server_context(const TestCertificate& cert);

// One certificate (CN and DNS localhost, IP 127.0.0.1) and its server context per process,
// made on first use, for tests that do not care which certificate they get.
const TestCertificate& shared_test_certificate();
SSL_CTX* shared_server_context();

}  // namespace jim::client::testing
