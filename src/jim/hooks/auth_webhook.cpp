#include "jim/hooks/auth_webhook.hpp"

#include <openssl/sha.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "jim/hooks/signature.hpp"

namespace jim::hooks {
namespace {

// SHA-256 over the three credentials, NUL-separated: the cache key.
std::string cache_key(const auth::Credentials& c) {
    std::string all = c.user_id;
    all += '\0';
    all += c.password;
    all += '\0';
    all += c.token;
    std::string digest(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(all.data()), all.size(),
           reinterpret_cast<unsigned char*>(digest.data()));
    return digest;
}

auth::AuthResult refused(std::string reason) {
    return auth::AuthResult{Errc::login_failed, {}, std::move(reason)};
}

}  // namespace

std::optional<auth::AuthResult> parse_auth_reply(std::string_view user_id, int status,
                                                 std::string_view body) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    const auto* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const auto str = [&](std::string_view key) -> std::string {
        const auto* m = o != nullptr ? o->if_contains(key) : nullptr;
        return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
    };
    if (status == 401 || status == 403) {
        const auto reason = str("reason");
        return refused(reason.empty() ? "refused by the authentication service" : reason);
    }
    if (status < 200 || status > 299 || o == nullptr) return std::nullopt;
    const auto* ok = o->if_contains("ok");
    if (ok == nullptr || !ok->is_bool()) return std::nullopt;
    if (!ok->get_bool()) {
        const auto reason = str("reason");
        return refused(reason.empty() ? "refused by the authentication service" : reason);
    }
    auth::AuthResult r;
    r.user.user_id.assign(user_id);
    r.user.nick = str("nick");
    if (r.user.nick.empty()) r.user.nick.assign(user_id);
    r.user.avatar = str("avatar");
    r.user.sign = str("sign");
    return r;
}

WebhookAuthenticator::WebhookAuthenticator(AuthWebhookOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      client_(HttpClientOptions{.tls = options_.tls}) {}

auth::AuthResult WebhookAuthenticator::authenticate(const auth::Credentials& c) const {
    if (auto hit = cached(cache_key(c))) return *hit;
    return refused("webhook authentication answers asynchronously");
}

void WebhookAuthenticator::authenticate_async(auth::Credentials c,
                                              std::function<void(auth::AuthResult)> done) const {
    if (!auth::valid_user_id(c.user_id)) {
        done(refused("userId must be 1-64 characters without control characters or ':'"));
        return;
    }
    std::string key = cache_key(c);
    if (auto hit = cached(key)) {
        done(std::move(*hit));
        return;
    }
    boost::json::object req;
    req["password"] = c.password;
    req["token"] = c.token;
    req["userId"] = c.user_id;
    std::string body = boost::json::serialize(req);
    HttpHeaders headers;
    if (!options_.secret.empty()) {
        headers.emplace_back(kSignatureHeader, signature_header(options_.secret, body));
    }
    {
        std::lock_guard lock(mu_);
        ++stats_.calls;
    }
    client_.post(options_.url, std::move(body), std::move(headers), options_.timeout,
                 [this, user = std::move(c.user_id), key = std::move(key),
                  done = std::move(done)](HttpResult r) {
                     auto result =
                         r.error ? std::nullopt : parse_auth_reply(user, r.status, r.body);
                     if (!result) {
                         {
                             std::lock_guard lock(mu_);
                             ++stats_.unavailable;
                         }
                         done(refused("authentication service unavailable (" + r.describe() + ")"));
                         return;
                     }
                     remember(key, *result);
                     done(std::move(*result));
                 });
}

std::optional<auth::AuthResult> WebhookAuthenticator::cached(const std::string& key) const {
    std::lock_guard lock(mu_);
    const auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    if (it->second.expires_ms <= clock_.now_ms()) {
        cache_.erase(it);
        return std::nullopt;
    }
    ++stats_.cache_hits;
    return it->second.result;
}

void WebhookAuthenticator::remember(const std::string& key, const auth::AuthResult& result) const {
    if (options_.cache_ttl.count() <= 0) return;
    std::lock_guard lock(mu_);
    if (cache_.size() >= options_.cache_max) cache_.clear();  // crude but bounded
    cache_[key] = Entry{result, clock_.now_ms() + options_.cache_ttl.count()};
}

AuthWebhookStats WebhookAuthenticator::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace jim::hooks
