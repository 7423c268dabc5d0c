#include "jim/hooks/webhooks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "jim/hooks/signature.hpp"

namespace jim::hooks {

std::uint32_t event_mask(const std::vector<std::string>& names, std::string* unknown) {
    std::uint32_t mask = 0;
    for (const auto& n : names) {
        if (const auto t = service::event_from_name(n)) {
            mask |= 1u << static_cast<unsigned>(*t);
        } else if (unknown != nullptr && unknown->empty()) {
            *unknown = n;
        }
    }
    return mask;
}

Webhooks::Webhooks(WebhookOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      client_(HttpClientOptions{1, 1, 64 * 1024, options_.tls}) {
    thread_ = std::thread([this] { run(); });
}

Webhooks::~Webhooks() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

bool Webhooks::wants(service::EventType type) const noexcept {
    return (options_.events & (1u << static_cast<unsigned>(type))) != 0;
}

void Webhooks::publish(service::EventType type, std::string data_json) {
    if (!wants(type)) return;
    // Rendered here so the sender only concatenates: {"type":"…","time":…,"data":…}.
    std::string event = "{\"type\":\"";
    event += service::event_name(type);
    event += "\",\"time\":";
    event += std::to_string(clock_.now_ms());
    event += ",\"data\":";
    event += data_json;
    event += '}';
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= options_.queue_max) {
            ++stats_.dropped;
            return;
        }
        wake = queue_.empty();
        queue_.push_back(std::move(event));
        ++stats_.published;
    }
    if (wake) cv_.notify_all();
}

WebhookStats Webhooks::stats() const {
    std::lock_guard lock(mu_);
    WebhookStats s = stats_;
    s.queued = queue_.size();
    return s;
}

void Webhooks::run() {
    for (;;) {
        std::string body = "{\"events\":[";
        std::size_t n = 0;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            while (!queue_.empty() && n < options_.batch_max) {
                if (n++ != 0) body += ',';
                body += queue_.front();
                queue_.pop_front();
            }
        }
        body += "]}";
        if (!send_batch(body, n)) return;  // stopping
    }
}

// Sends one batch until it is accepted or given up; false when the sender is stopping.
bool Webhooks::send_batch(const std::string& body, std::size_t events) {
    const HttpHeaders headers{
        {std::string(kSignatureHeader), signature_header(options_.secret, body)},
        {"X-Jim-Delivery", std::to_string(next_delivery_++)}};
    auto backoff = options_.backoff;
    for (int attempt = 1;; ++attempt) {
        // The client calls back by the timeout at the latest; the wait below ends then or on stop.
        auto result = std::make_shared<std::optional<HttpResult>>();
        client_.post(options_.url, body, headers, options_.timeout, [this, result](HttpResult r) {
            {
                std::lock_guard lock(mu_);
                *result = std::move(r);
            }
            cv_.notify_all();
        });
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || result->has_value(); });
        if (stop_) return false;
        if ((*result)->ok()) {
            stats_.delivered += events;
            ++stats_.batches;
            return true;
        }
        if (attempt >= options_.max_attempts) {
            stats_.failed += events;
            spdlog::warn("webhook: gave up a batch of {} event(s) after {} attempts: {}", events,
                         attempt, (*result)->describe());
            return true;
        }
        ++stats_.retries;
        if (cv_.wait_for(lock, backoff, [&] { return stop_; })) return false;
        backoff = std::min(backoff * 2, options_.max_backoff);
    }
}

}  // namespace jim::hooks
