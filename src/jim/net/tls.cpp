#include "jim/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace jim::net {
namespace {

std::string openssl_error(const std::string& what) {
    const unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";
    if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return what + ": " + buf;
}

}  // namespace

TlsContext::TlsContext(const std::string& cert_file, const std::string& key_file) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ == nullptr) throw std::runtime_error(openssl_error("tls: SSL_CTX_new"));
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_options(
        ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    // TLS 1.2: forward-secret AEAD suites only. TLS 1.3: OpenSSL's three default (AEAD) suites,
    // ChaCha20-Poly1305 first: same 256-bit key as AES-256-GCM, and its cipher contexts take
    // ~480 B less per connection for life (bench/tls_memory_bench.cpp, bench/RESULTS.md).
    SSL_CTX_set_cipher_list(ctx_, "ECDHE+AESGCM:ECDHE+CHACHA20");
    SSL_CTX_set_ciphersuites(ctx_,
                             "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:"
                             "TLS_AES_128_GCM_SHA256");
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx_, 0);
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1) {
        const auto msg = openssl_error("tls.cert '" + cert_file + "'");
        SSL_CTX_free(ctx_);
        throw std::runtime_error(msg);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1) {
        const auto msg = openssl_error("tls.key '" + key_file + "'");
        SSL_CTX_free(ctx_);
        throw std::runtime_error(msg);
    }
}

TlsContext::~TlsContext() {
    SSL_CTX_free(ctx_);
}

std::optional<TlsSession> new_tls_session(const TlsContext& ctx, int fd) {
    SslPtr ssl(SSL_new(ctx.native()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return std::nullopt;
    SSL_set_accept_state(ssl.get());
    return TlsSession{std::move(ssl), 0};
}

std::pair<std::string, std::string> generate_self_signed(const std::string& dir,
                                                         const std::string& common_name) {
    std::filesystem::create_directories(dir);
    const std::string cert_path = dir + "/cert.pem";
    const std::string key_path = dir + "/key.pem";
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    if (key == nullptr || x == nullptr) throw std::runtime_error(openssl_error("gen-cert"));
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    bool ok = X509_sign(x, key, EVP_sha256()) > 0;
    std::FILE* kf = ok ? std::fopen(key_path.c_str(), "w") : nullptr;
    ok = kf != nullptr && PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (kf != nullptr) std::fclose(kf);
    std::FILE* cf = ok ? std::fopen(cert_path.c_str(), "w") : nullptr;
    ok = cf != nullptr && PEM_write_X509(cf, x) == 1;
    if (cf != nullptr) std::fclose(cf);
    X509_free(x);
    EVP_PKEY_free(key);
    if (!ok) throw std::runtime_error(openssl_error("gen-cert: writing " + dir));
    std::filesystem::permissions(
        key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return {cert_path, key_path};
}

}  // namespace jim::net
