#pragma once
// The JWT backend (auth.mode = "jwt"): the business backend issues a token, the client presents
// it in cmd 5's "token" (or the WebSocket "token" query parameter), and jim verifies it here.
//
// Accepted: compact JWS with alg HS256 (auth.jwt.secret) or RS256 (auth.jwt.public_key, an RSA
// public key of at least 2048 bits in PEM). Claims: "sub" is the user id (it must pass
// valid_user_id), "exp" (required) the expiry in seconds since the epoch, "nbf" honoured when
// present, "nick" optional. A "userId" sent beside the token must equal "sub". Refused: any
// other alg ("none" included), an alg whose key is not configured, "crit" headers, tokens over
// 8 KiB. A verify costs ~2 µs of CPU (HS256) or ~17 µs (RS256, 2048-bit) on the project's
// machine (bench/auth_bench.cpp, bench/RESULTS.md), so it runs on the worker like the other
// backends.
// Thread: authenticate() from any thread (the key is immutable after construction).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"

namespace jim::auth {

struct JwtOptions {
    std::string secret;           // HS256 shared secret; empty: HS256 refused
    std::string public_key_file;  // RS256 public key (PEM path); empty: RS256 refused
};

// Throws std::runtime_error at start-up when neither key is set or the key file is unusable.
// `clock` (wall time, for exp/nbf) must outlive the authenticator.
std::unique_ptr<Authenticator> make_jwt_authenticator(const JwtOptions& options,
                                                      const Clock& clock);

// RFC 4648 §5 without padding, as JWS uses it; nullopt for any other character or a
// non-canonical tail.
std::optional<std::string> base64url_decode(std::string_view in);

}  // namespace jim::auth
