// Fuzzes the JWT verifier (auth.mode = "jwt") with untrusted tokens: it never crashes or throws,
// and it accepts only what a valid token may say.
//
// Input: first byte picks the mode.
//  - even: the rest is the token as a client would send it (mostly refused before or at the
//    signature; exercises splitting, base64url and header parsing);
//  - odd: the rest is "header JSON\npayload JSON", signed here with the right HS256 key, so the
//    header and claims checks run on arbitrary JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/test_jwt.hpp"
#include "fuzz_check.hpp"
#include "jim/auth/jwt.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret";
constexpr std::int64_t kNowMs = 1'800'000'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const jim::ManualClock clock(kNowMs);
    static const auto auth = jim::auth::make_jwt_authenticator({std::string(kSecret), {}}, clock);
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

    // base64url: canonical, so decoding then encoding gives the input back.
    if (const auto decoded = jim::auth::base64url_decode(rest)) {
        JIM_FUZZ_CHECK(jim::client::testing::base64url_encode(*decoded) == rest);
    }

    jim::auth::Credentials c;
    if (data[0] % 2 == 0) {
        c.token.assign(rest);
    } else {
        const auto nl = rest.find('\n');
        c.token = jim::client::testing::sign_hs256(
            rest.substr(0, nl), nl == std::string_view::npos ? "" : rest.substr(nl + 1), kSecret);
    }
    const auto r = auth->authenticate(c);
    if (r.error == jim::Errc::ok) {
        JIM_FUZZ_CHECK(r.reason.empty());
        JIM_FUZZ_CHECK(jim::auth::valid_user_id(r.user.user_id));
        JIM_FUZZ_CHECK(!r.user.nick.empty());
    } else {
        JIM_FUZZ_CHECK(r.error == jim::Errc::login_failed && !r.reason.empty());
        JIM_FUZZ_CHECK(r.user.user_id.empty());
    }
    return 0;
}
