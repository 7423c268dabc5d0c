#pragma once
// auth.mode = "webhook": the business backend decides each login.
//
//   POST auth.webhook.url   {"password":"…","token":"…","userId":"…"}
//   200  {"ok":true[,"nick":"…","avatar":"…","sign":"…"]}    the login is accepted
//   200  {"ok":false[,"reason":"…"]}, or 401/403               refused, with the reason
//
// Anything else (timeout, connection refused, a certificate that does not verify, 5xx, a body of
// another shape) refuses the login with "authentication service unavailable (…)", so the client
// learns why. Definite answers
// are cached for auth.webhook.cache_ttl_ms under a SHA-256 of the credentials (the cache holds
// no password); failures are not cached. Requests carry X-Jim-Signature when a secret is set.
// Owner: app main (or a test); it must outlive the server. Thread: any.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/hooks/http_client.hpp"

namespace jim::hooks {

struct AuthWebhookOptions {
    Url url;
    std::string secret;
    std::chrono::milliseconds timeout{2000};
    std::chrono::milliseconds cache_ttl{60000};  // 0: no cache
    std::size_t cache_max = 100000;              // entries; the cache is emptied beyond it
    HttpTlsOptions tls;                          // for an https url
};

struct AuthWebhookStats {
    std::uint64_t calls = 0;        // requests to the backend
    std::uint64_t cache_hits = 0;   // logins answered from the cache
    std::uint64_t unavailable = 0;  // logins refused because the backend did not answer
};

// The backend's answer as an AuthResult for `user_id`; nullopt when it is not a definite answer.
std::optional<auth::AuthResult> parse_auth_reply(std::string_view user_id, int status,
                                                 std::string_view body);

class WebhookAuthenticator final : public auth::Authenticator {
  public:
    WebhookAuthenticator(AuthWebhookOptions options, const Clock& clock);

    // Cache hits only: a miss is refused (callers use authenticate_async, see asynchronous()).
    auth::AuthResult authenticate(const auth::Credentials& credentials) const override;
    std::string_view mode() const noexcept override { return "webhook"; }
    bool asynchronous() const noexcept override { return true; }
    void authenticate_async(auth::Credentials credentials,
                            std::function<void(auth::AuthResult)> done) const override;
    AuthWebhookStats stats() const;

  private:
    struct Entry {
        auth::AuthResult result;
        std::int64_t expires_ms = 0;
    };
    std::optional<auth::AuthResult> cached(const std::string& key) const;
    void remember(const std::string& key, const auth::AuthResult& result) const;

    const AuthWebhookOptions options_;
    const Clock& clock_;
    mutable std::mutex mu_;
    mutable std::unordered_map<std::string, Entry> cache_;
    mutable AuthWebhookStats stats_;
    mutable HttpClient client_;  // last: its thread (running callbacks) stops before mu_ goes
};

}  // namespace jim::hooks
