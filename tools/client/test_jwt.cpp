#include "client/test_jwt.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <vector>

namespace jim::client::testing {
namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

struct Deleters {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

TestRsaKey make_rsa_key() {
    std::unique_ptr<EVP_PKEY, Deleters> key(EVP_RSA_gen(2048));
    std::unique_ptr<BIO, Deleters> pub(BIO_new(BIO_s_mem()));
    std::unique_ptr<BIO, Deleters> priv(BIO_new(BIO_s_mem()));
    if (!key || !pub || !priv || PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1 ||
        PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
        throw std::runtime_error("RSA test key generation failed");
    }
    return {bio_text(pub.get()), bio_text(priv.get())};
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char ch : bytes) {
        bits = (bits << 8) | static_cast<unsigned char>(ch);
        count += 8;
        while (count >= 6) {
            count -= 6;
            out.push_back(kAlphabet[(bits >> count) & 0x3F]);
        }
    }
    if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 0x3F]);
    return out;
}

std::string jwt_signing_input(std::string_view header_json, std::string_view payload_json) {
    return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

std::string sign_hs256(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret) {
    const std::string input = jwt_signing_input(header_json, payload_json);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    std::size_t size = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(),
                  mac.size(), &size) == nullptr) {
        throw std::runtime_error("HMAC failed");
    }
    return input + "." +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), size));
}

const TestRsaKey& shared_rsa_key() {
    static const TestRsaKey key = make_rsa_key();
    return key;
}

std::string sign_rs256(std::string_view header_json, std::string_view payload_json,
                       const std::string& private_pem) {
    const std::string input = jwt_signing_input(header_json, payload_json);
    std::unique_ptr<BIO, Deleters> bio(
        BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
    std::unique_ptr<EVP_PKEY, Deleters> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    std::unique_ptr<EVP_MD_CTX, Deleters> ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    if (!key || !ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        throw std::runtime_error("RS256 signing failed");
    }
    std::vector<unsigned char> sig(size);
    if (EVP_DigestSign(ctx.get(), sig.data(), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        throw std::runtime_error("RS256 signing failed");
    }
    return input + "." +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), size));
}

}  // namespace jim::client::testing
