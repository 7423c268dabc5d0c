// What a login costs a worker with auth.mode = "jwt" (Authenticator::authenticate runs on the
// network worker, so it must stay cheap): a whole verify of an HS256 and an RS256 (RSA-2048)
// token, and a refusal at the algorithm check (alg "none"), which must cost next to nothing.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "client/test_jwt.hpp"
#include "client/test_tls.hpp"
#include "jim/auth/jwt.hpp"

namespace {

using jim::client::testing::base64url_encode;
using jim::client::testing::shared_rsa_key;

constexpr std::string_view kSecret = "a-benchmark-secret-32-bytes-long";

std::string claims() {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     3600;
    return R"({"sub":"user-123456","nick":"Bench","exp":)" + std::to_string(exp) + "}";
}

void run(benchmark::State& state, const std::string& token, jim::Errc expected) {
    static const jim::SystemClock clock;
    static const jim::client::testing::TempFile pub(shared_rsa_key().public_pem);
    const auto auth = jim::auth::make_jwt_authenticator({std::string(kSecret), pub.path()}, clock);
    jim::auth::Credentials c;
    c.token = token;
    for (auto _ : state) {
        auto r = auth->authenticate(c);
        if (r.error != expected) state.SkipWithError("unexpected result");
        benchmark::DoNotOptimize(r);
    }
}

void BM_JwtHs256Verify(benchmark::State& state) {
    run(state,
        jim::client::testing::sign_hs256(R"({"alg":"HS256","typ":"JWT"})", claims(), kSecret),
        jim::Errc::ok);
}
BENCHMARK(BM_JwtHs256Verify);

void BM_JwtRs256Verify(benchmark::State& state) {
    run(state,
        jim::client::testing::sign_rs256(R"({"alg":"RS256","typ":"JWT"})", claims(),
                                         shared_rsa_key().private_pem),
        jim::Errc::ok);
}
BENCHMARK(BM_JwtRs256Verify);

void BM_JwtAlgNoneRefused(benchmark::State& state) {
    run(state, base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims()) + ".",
        jim::Errc::login_failed);
}
BENCHMARK(BM_JwtAlgNoneRefused);

}  // namespace
