// JSON Web Tokens (RFC 7519) signed with HS256 or RS256 (RFC 7518 §3.2, §3.3), compact
// serialization only (RFC 7515 §7.1). The accepted algorithms are fixed by the configured keys,
// never by the token: a token naming "none", another algorithm, or an algorithm whose key is not
// configured is refused before any signature work (the classic alg-confusion attacks).

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>

#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "jim/auth/authenticator.hpp"
#include "jim/auth/jwt.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::auth {
namespace {

// Larger tokens are refused unread: a real one is a few hundred bytes.
constexpr std::size_t kMaxTokenBytes = 8192;

struct PkeyDeleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

EVP_PKEY* load_rsa_public_key(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("auth.jwt.public_key: cannot open '" + path + "'");
    const std::string pem{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = bio == nullptr ? nullptr : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr) {
        throw std::runtime_error("auth.jwt.public_key: '" + path +
                                 "' holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    if (EVP_PKEY_is_a(key, "RSA") != 1 || EVP_PKEY_get_bits(key) < 2048) {
        EVP_PKEY_free(key);
        throw std::runtime_error("auth.jwt.public_key: '" + path +
                                 "' must be an RSA key of at least 2048 bits");
    }
    return key;
}

class JwtAuthenticator final : public Authenticator {
  public:
    JwtAuthenticator(const JwtOptions& options, const Clock& clock)
        : secret_(options.secret), clock_(clock) {
        if (!options.public_key_file.empty()) {
            public_key_.reset(load_rsa_public_key(options.public_key_file));
        }
        if (secret_.empty() && !public_key_) {
            throw std::runtime_error(
                "auth.mode = \"jwt\" needs auth.jwt.secret (HS256) or auth.jwt.public_key (RS256)");
        }
    }

    AuthResult authenticate(const Credentials& c) const override {
        AuthResult r;
        const auto claims = verify(c.token, r.reason);
        if (claims) {
            r.user = *claims;
            if (!c.user_id.empty() && c.user_id != r.user.user_id) {
                r.reason = "userId does not match the token's subject";
            }
        }
        if (!r.reason.empty()) {
            r.error = Errc::login_failed;
            r.user = {};
        }
        return r;
    }
    std::string_view mode() const noexcept override { return "jwt"; }

  private:
    std::optional<proto::User> verify(std::string_view token, std::string& why) const {
        if (token.empty()) return fail(why, "a token is required");
        if (token.size() > kMaxTokenBytes) return fail(why, "token too large");
        const auto dot1 = token.find('.');
        const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
        if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
            return fail(why, "token is not header.payload.signature");
        }
        const auto header = decode_json(token.substr(0, dot1));
        if (!header) return fail(why, "token header is not base64url JSON");
        if (header->contains("crit")) return fail(why, "token has critical extensions");
        const auto alg = proto::get_string(*header, "alg");
        const bool hs256 = alg == "HS256" && !secret_.empty();
        const bool rs256 = alg == "RS256" && public_key_;
        if (!hs256 && !rs256) return fail(why, "token algorithm not accepted");

        const auto signing_input = token.substr(0, dot2);
        const auto signature = base64url_decode(token.substr(dot2 + 1));
        if (!signature) return fail(why, "token signature is not base64url");
        const bool good = hs256 ? verify_hs256(signing_input, *signature)
                                : verify_rs256(signing_input, *signature);
        if (!good) return fail(why, "bad token signature");

        const auto payload = decode_json(token.substr(dot1 + 1, dot2 - dot1 - 1));
        if (!payload) return fail(why, "token payload is not base64url JSON");
        return check_claims(*payload, why);
    }

    std::optional<proto::User> check_claims(const boost::json::object& claims,
                                            std::string& why) const {
        const double now_s = static_cast<double>(clock_.now_ms()) / 1000.0;
        const auto exp = numeric_date(claims, "exp");
        if (!exp) return fail(why, "token has no numeric exp");
        if (now_s >= *exp) return fail(why, "token expired");
        if (claims.contains("nbf")) {
            const auto nbf = numeric_date(claims, "nbf");
            if (!nbf) return fail(why, "token nbf is not a number");
            if (now_s < *nbf) return fail(why, "token not valid yet");
        }
        const auto sub = proto::get_string(claims, "sub");
        if (!sub || !valid_user_id(*sub)) {
            return fail(why, "token sub must be a user id (1-64 characters, no ':')");
        }
        proto::User user;
        user.user_id.assign(*sub);
        const auto nick = proto::get_string(claims, "nick");
        user.nick.assign(nick && !nick->empty() ? *nick : *sub);
        return user;
    }

    bool verify_hs256(std::string_view input, const std::string& signature) const {
        std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
        std::size_t mac_size = 0;
        if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret_.data(), secret_.size(),
                      reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                      mac.data(), mac.size(), &mac_size) == nullptr) {
            return false;
        }
        return signature.size() == mac_size &&
               CRYPTO_memcmp(signature.data(), mac.data(), mac_size) == 0;
    }

    bool verify_rs256(std::string_view input, const std::string& signature) const {
        std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
        return ctx &&
               EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key_.get()) ==
                   1 &&
               EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(),
                                reinterpret_cast<const unsigned char*>(input.data()),
                                input.size()) == 1;
    }

    static std::optional<boost::json::object> decode_json(std::string_view part) {
        const auto text = base64url_decode(part);
        if (!text) return std::nullopt;
        boost::system::error_code ec;
        auto v = boost::json::parse(*text, ec);
        if (ec || !v.is_object()) return std::nullopt;
        return std::move(v.get_object());
    }

    // RFC 7519 §2 NumericDate: seconds since the epoch, integer or not.
    static std::optional<double> numeric_date(const boost::json::object& o, std::string_view key) {
        const auto it = o.find(key);
        if (it == o.end()) return std::nullopt;
        const auto& v = it->value();
        if (v.is_int64()) return static_cast<double>(v.get_int64());
        if (v.is_uint64()) return static_cast<double>(v.get_uint64());
        if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
        return std::nullopt;
    }

    static std::nullopt_t fail(std::string& why, std::string_view reason) {
        why.assign(reason);
        return std::nullopt;
    }

    std::string secret_;
    std::unique_ptr<EVP_PKEY, PkeyDeleter> public_key_;
    const Clock& clock_;
};

}  // namespace

std::optional<std::string> base64url_decode(std::string_view in) {
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t bits = 0;
    int count = 0;
    for (const char ch : in) {
        int v = -1;
        if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
        if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
        if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
        if (ch == '-') v = 62;
        if (ch == '_') v = 63;
        if (v < 0) return std::nullopt;  // padding, '+', '/' and whitespace are not base64url
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    // The unused low bits of the last character must be zero (one encoding per value).
    if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
    return out;
}

std::unique_ptr<Authenticator> make_jwt_authenticator(const JwtOptions& options,
                                                      const Clock& clock) {
    return std::make_unique<JwtAuthenticator>(options, clock);
}

}  // namespace jim::auth
