// The JWT backend against tokens signed here with OpenSSL (HS256 and RS256).

#include "jim/auth/jwt.hpp"

#include <gtest/gtest.h>

#include <string>

#include "client/test_jwt.hpp"
#include "client/test_tls.hpp"
#include "jim/base/clock.hpp"

namespace jim::auth {
namespace {

using client::testing::base64url_encode;
using client::testing::shared_rsa_key;
using client::testing::sign_hs256;
using client::testing::sign_rs256;
using client::testing::TempFile;

constexpr std::int64_t kNowS = 1'800'000'000;  // the tests' "now", seconds since the epoch
constexpr std::string_view kHs = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kRs = R"({"alg":"RS256","typ":"JWT"})";
const std::string kSecret = "a-shared-secret-of-some-length";

std::string claims(std::string_view sub, std::int64_t exp, std::string_view more = {}) {
    return R"({"sub":")" + std::string(sub) + R"(","exp":)" + std::to_string(exp) +
           std::string(more) + "}";
}

class JwtTest : public ::testing::Test {
  protected:
    JwtTest() : pub_(shared_rsa_key().public_pem) {}

    AuthResult login(const Authenticator& a, const std::string& token,
                     const std::string& user_id = {}) {
        Credentials c;
        c.user_id = user_id;
        c.token = token;
        return a.authenticate(c);
    }
    std::unique_ptr<Authenticator> hs() { return make_jwt_authenticator({kSecret, {}}, clock_); }
    std::unique_ptr<Authenticator> rs() {
        return make_jwt_authenticator({{}, pub_.path()}, clock_);
    }

    ManualClock clock_{kNowS * 1000};
    TempFile pub_;
};

TEST(Base64Url, DecodesRfc4648VectorsWithoutPaddingAndRefusesOtherAlphabets) {
    EXPECT_EQ(base64url_decode(""), "");
    EXPECT_EQ(base64url_decode("Zg"), "f");
    EXPECT_EQ(base64url_decode("Zm8"), "fo");
    EXPECT_EQ(base64url_decode("Zm9v"), "foo");
    EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
    EXPECT_FALSE(base64url_decode("Zg=="));   // padding
    EXPECT_FALSE(base64url_decode("+/8"));    // base64, not base64url
    EXPECT_FALSE(base64url_decode("Z"));      // one leftover character encodes nothing
    EXPECT_FALSE(base64url_decode("Zh"));     // non-zero unused bits
    EXPECT_FALSE(base64url_decode("Zm 9v"));  // whitespace
    for (const std::string s : {"", "a", "ab", "abc", "\x00\xff\x10 binary"}) {
        EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
    }
}

TEST_F(JwtTest, ValidHs256TokenGivesTheSubjectAndNick) {
    const auto r =
        login(*hs(), sign_hs256(kHs, claims("alice", kNowS + 60, R"(,"nick":"Al")"), kSecret));
    EXPECT_EQ(r.error, Errc::ok) << r.reason;
    EXPECT_EQ(r.user.user_id, "alice");
    EXPECT_EQ(r.user.nick, "Al");
}

TEST_F(JwtTest, ValidRs256TokenLogsInAndNickDefaultsToTheSubject) {
    const auto token = sign_rs256(kRs, claims("bob", kNowS + 60), shared_rsa_key().private_pem);
    const auto r = login(*rs(), token, "bob");  // a matching userId beside it is fine
    EXPECT_EQ(r.error, Errc::ok) << r.reason;
    EXPECT_EQ(r.user.user_id, "bob");
    EXPECT_EQ(r.user.nick, "bob");
}

TEST_F(JwtTest, ExpiryIsExactToTheSecondAndNbfIsHonoured) {
    const auto a = hs();
    EXPECT_EQ(login(*a, sign_hs256(kHs, claims("u", kNowS + 1), kSecret)).error, Errc::ok);
    const auto expired = login(*a, sign_hs256(kHs, claims("u", kNowS), kSecret));
    EXPECT_EQ(expired.error, Errc::login_failed);
    EXPECT_EQ(expired.reason, "token expired");
    EXPECT_TRUE(expired.user.user_id.empty());
    const auto early =
        login(*a, sign_hs256(kHs, claims("u", kNowS + 60, R"(,"nbf":1800000010)"), kSecret));
    EXPECT_EQ(early.reason, "token not valid yet");
    clock_.advance(10'000);
    EXPECT_EQ(
        login(*a, sign_hs256(kHs, claims("u", kNowS + 60, R"(,"nbf":1800000010)"), kSecret)).error,
        Errc::ok);
}

TEST_F(JwtTest, BadSignaturesAreRefused) {
    const auto a = hs();
    const auto wrong_key = login(*a, sign_hs256(kHs, claims("u", kNowS + 60), "another secret"));
    EXPECT_EQ(wrong_key.reason, "bad token signature");
    // The payload swapped after signing: the signature no longer covers it.
    const std::string good = sign_hs256(kHs, claims("u", kNowS + 60), kSecret);
    const std::string forged = base64url_encode(kHs) + "." +
                               base64url_encode(claims("admin", kNowS + 60)) +
                               good.substr(good.rfind('.'));
    EXPECT_EQ(login(*a, forged).reason, "bad token signature");
    const auto rs_forged = sign_rs256(kRs, claims("u", kNowS + 60), shared_rsa_key().private_pem);
    std::string flipped = rs_forged;
    flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(login(*rs(), flipped).error, Errc::login_failed);
}

TEST_F(JwtTest, AlgNoneAndAlgorithmsWithoutAKeyAreRefused) {
    const std::string none = base64url_encode(R"({"alg":"none"})") + "." +
                             base64url_encode(claims("u", kNowS + 60)) + ".";
    EXPECT_EQ(login(*hs(), none).reason, "token algorithm not accepted");
    EXPECT_EQ(login(*rs(), none).reason, "token algorithm not accepted");
    // The classic confusion: HS256 keyed with the RSA public key, against an RS256-only server.
    const auto confused = sign_hs256(kHs, claims("u", kNowS + 60), shared_rsa_key().public_pem);
    EXPECT_EQ(login(*rs(), confused).reason, "token algorithm not accepted");
    const auto rs_token = sign_rs256(kRs, claims("u", kNowS + 60), shared_rsa_key().private_pem);
    EXPECT_EQ(login(*hs(), rs_token).reason, "token algorithm not accepted");
    EXPECT_EQ(
        login(*hs(), sign_hs256(R"({"alg":"HS512"})", claims("u", kNowS + 60), kSecret)).reason,
        "token algorithm not accepted");
    EXPECT_EQ(login(*hs(),
                    sign_hs256(R"({"alg":"HS256","crit":["x"]})", claims("u", kNowS + 60), kSecret))
                  .reason,
              "token has critical extensions");
}

TEST_F(JwtTest, BothKeysAcceptBothAlgorithms) {
    const auto a = make_jwt_authenticator({kSecret, pub_.path()}, clock_);
    EXPECT_EQ(login(*a, sign_hs256(kHs, claims("h", kNowS + 60), kSecret)).error, Errc::ok);
    EXPECT_EQ(
        login(*a, sign_rs256(kRs, claims("r", kNowS + 60), shared_rsa_key().private_pem)).error,
        Errc::ok);
}

TEST_F(JwtTest, ClaimsAndShapeAreChecked) {
    const auto a = hs();
    const auto sign = [&](std::string_view payload) { return sign_hs256(kHs, payload, kSecret); };
    EXPECT_EQ(login(*a, "").reason, "a token is required");
    EXPECT_EQ(login(*a, "abc.def").reason, "token is not header.payload.signature");
    EXPECT_EQ(login(*a, "a.b.c.d").reason, "token is not header.payload.signature");
    EXPECT_EQ(login(*a, "%%%.e30.").reason, "token header is not base64url JSON");
    EXPECT_EQ(login(*a, std::string(9000, 'a')).reason, "token too large");
    EXPECT_EQ(login(*a, sign(R"({"sub":"u"})")).reason, "token has no numeric exp");
    EXPECT_EQ(login(*a, sign(R"({"sub":"u","exp":"soon"})")).reason, "token has no numeric exp");
    EXPECT_EQ(login(*a, sign(R"({"exp":1900000000})")).error, Errc::login_failed);
    EXPECT_EQ(login(*a, sign(R"({"sub":"a:b","exp":1900000000})")).error, Errc::login_failed);
    EXPECT_EQ(login(*a, sign(R"({"sub":"u","exp":1.9e9})")).error, Errc::ok);
    EXPECT_EQ(login(*a, sign(R"([1,2])")).reason, "token payload is not base64url JSON");
    const auto mismatch = login(*a, sign(claims("alice", kNowS + 60)), "mallory");
    EXPECT_EQ(mismatch.reason, "userId does not match the token's subject");
    EXPECT_TRUE(mismatch.user.user_id.empty());
}

TEST(JwtConfig, NeedsAKeyAndAUsableRsaPublicKey) {
    const ManualClock clock(0);
    EXPECT_THROW(make_jwt_authenticator({}, clock), std::runtime_error);
    EXPECT_THROW(make_jwt_authenticator({{}, "/nonexistent/key.pem"}, clock), std::runtime_error);
    const TempFile not_a_key("hello");
    EXPECT_THROW(make_jwt_authenticator({{}, not_a_key.path()}, clock), std::runtime_error);
    // A certificate is not a bare public key.
    const TempFile certificate(client::testing::shared_test_certificate().cert_pem);
    EXPECT_THROW(make_jwt_authenticator({{}, certificate.path()}, clock), std::runtime_error);
}

}  // namespace
}  // namespace jim::auth
