#include "client/test_tls.hpp"

#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace jim::client::testing {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

std::string drain(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

TestCertificate make_self_signed_certificate(std::string_view common_name,
                                             const std::vector<std::string>& dns_names,
                                             const std::vector<std::string>& ip_addresses) {
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EC P-256 key generation");
    Owned<X509> cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    std::uint32_t serial = 0;
    check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) == 1, "RAND_bytes");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), (serial >> 1) + 1) == 1, "serial");
    // A minute back, so a server whose clock is a little behind still accepts it.
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    const std::string cn(common_name);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                     0) == 1,
          "subject CN");
    check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    std::string san;
    for (const auto& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    if (!san.empty()) add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    Owned<BIO> cert_bio(BIO_new(BIO_s_mem()));
    Owned<BIO> key_bio(BIO_new(BIO_s_mem()));
    check(cert_bio && key_bio, "BIO_new");
    check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    return {drain(cert_bio.get()), drain(key_bio.get())};
}

TempFile::TempFile(std::string_view contents, std::string_view suffix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "jim-test-XXXXXX").string() + std::string(suffix);
    const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0) throw std::runtime_error("cannot create a temporary file");
    path_ = pattern;
    std::string_view rest = contents;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n <= 0) {
            ::close(fd);
            throw std::runtime_error("cannot write " + path_);
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
}

TempFile::~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
}

SslCtxPtr make_server_context(const TestCertificate& cert) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    check(ctx != nullptr, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    Owned<BIO> cert_bio(
        BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size())));
    Owned<BIO> key_bio(BIO_new_mem_buf(cert.key_pem.data(), static_cast<int>(cert.key_pem.size())));
    check(cert_bio && key_bio, "BIO_new_mem_buf");
    Owned<X509> x509(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    check(x509 && key, "PEM read");
    check(SSL_CTX_use_certificate(ctx.get(), x509.get()) == 1, "SSL_CTX_use_certificate");
    check(SSL_CTX_use_PrivateKey(ctx.get(), key.get()) == 1, "SSL_CTX_use_PrivateKey");
    check(SSL_CTX_check_private_key(ctx.get()) == 1, "SSL_CTX_check_private_key");
    return ctx;
}

const TestCertificate& shared_test_certificate() {
    static const TestCertificate cert = make_self_signed_certificate();
    return cert;
}

SSL_CTX* shared_server_context() {
    static const SslCtxPtr ctx = make_server_context(shared_test_certificate());
    return ctx.get();
}

}  // namespace jim::client::testing
