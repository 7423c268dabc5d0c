#include "jim/hooks/moderation_hook.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include "jim/hooks/signature.hpp"

namespace jim::hooks {

using service::ModerationVerdict;

std::optional<ModerationVerdict> parse_verdict(std::string_view body) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.get_object();
    const auto str = [&](std::string_view key) -> std::optional<std::string> {
        const auto* m = o.if_contains(key);
        if (m == nullptr || !m->is_string()) return std::nullopt;
        return std::string(m->get_string());
    };
    const auto action = str("action");
    if (!action) return std::nullopt;
    ModerationVerdict verdict;
    if (*action == "accept") return verdict;
    if (*action == "reject") {
        verdict.action = ModerationVerdict::Action::reject;
        verdict.reason = str("reason").value_or("");
        return verdict;
    }
    if (*action == "replace") {
        const auto content = str("content");
        if (!content) return std::nullopt;
        verdict.action = ModerationVerdict::Action::replace;
        verdict.content = *content;
        return verdict;
    }
    return std::nullopt;
}

HttpModerator::HttpModerator(ModerationOptions options)
    : options_(std::move(options)),
      client_(HttpClientOptions{options_.max_connections, options_.max_connections, 64 * 1024,
                                options_.tls}) {}

void HttpModerator::check(const std::string& chat_json,
                          std::function<void(ModerationVerdict)> done) {
    checked_.fetch_add(1, std::memory_order_relaxed);
    HttpHeaders headers;
    if (!options_.secret.empty()) {
        headers.emplace_back(kSignatureHeader, signature_header(options_.secret, chat_json));
    }
    client_.post(options_.url, chat_json, std::move(headers), options_.timeout,
                 [this, done = std::move(done)](HttpResult r) {
                     std::optional<ModerationVerdict> verdict;
                     if (r.ok()) verdict = parse_verdict(r.body);
                     if (!verdict) {
                         failures_.fetch_add(1, std::memory_order_relaxed);
                         spdlog::debug("moderation hook failed ({}), failing {}",
                                       r.ok() ? "bad answer" : r.describe(),
                                       options_.fail_open ? "open" : "closed");
                         verdict.emplace();
                         if (!options_.fail_open) {
                             verdict->action = ModerationVerdict::Action::reject;
                             verdict->reason = "moderation unavailable";
                         }
                     }
                     if (verdict->action == ModerationVerdict::Action::reject) {
                         rejected_.fetch_add(1, std::memory_order_relaxed);
                     } else if (verdict->action == ModerationVerdict::Action::replace) {
                         replaced_.fetch_add(1, std::memory_order_relaxed);
                     }
                     done(std::move(*verdict));
                 });
}

ModerationStats HttpModerator::stats() const noexcept {
    return {checked_.load(std::memory_order_relaxed), rejected_.load(std::memory_order_relaxed),
            replaced_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed)};
}

}  // namespace jim::hooks
