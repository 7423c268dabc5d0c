#pragma once
// Throw-away JSON Web Tokens for tests (library jim_client_testing): tokens signed at test time
// with HS256 (a secret) or RS256 (an RSA key made here), so nothing secret is committed and the
// server's verifier is checked against OpenSSL's signer, not against itself.
// Thread: any.

#include <string>
#include <string_view>

namespace jim::client::testing {

// RFC 4648 §5 without padding.
std::string base64url_encode(std::string_view bytes);

// header.payload with both parts base64url-encoded as given (no signature yet).
std::string jwt_signing_input(std::string_view header_json, std::string_view payload_json);

// A complete HS256 token over `header_json` and `payload_json` (the header is used as given,
// so tests can lie in it).
std::string sign_hs256(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret);

// An RSA-2048 key pair made once per process.
struct TestRsaKey {
    std::string public_pem;   // "-----BEGIN PUBLIC KEY-----..."
    std::string private_pem;  // PKCS#8
};
const TestRsaKey& shared_rsa_key();

// A complete RS256 token signed with `private_pem`. Throws std::runtime_error on failure.
std::string sign_rs256(std::string_view header_json, std::string_view payload_json,
                       const std::string& private_pem);

}  // namespace jim::client::testing
