#pragma once
// Request signing for outgoing calls: HMAC-SHA256 over the exact body, as lower-case hex.
// A receiver recomputes it with the shared secret and compares in constant time.
// Thread: any.

#include <string>
#include <string_view>

namespace jim::hooks {

inline constexpr std::string_view kSignatureHeader = "X-Jim-Signature";

// 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// The header value: "sha256=" + hmac_sha256_hex(secret, body).
std::string signature_header(std::string_view secret, std::string_view body);

}  // namespace jim::hooks
