#pragma once
// Event webhooks: the service's events, POSTed as signed JSON batches to webhook.url.
//
// publish() (on the message path) only appends the rendered event to a bounded queue under a
// short lock; when the queue is full the event is dropped and counted. A thread of its own takes
// up to batch_max events at a time and POSTs
//   {"events":[{"type":"user.online","time":<ms>,"data":{…}},…]}
// with X-Jim-Signature: sha256=<HMAC-SHA256(secret, body) hex> and X-Jim-Delivery (an id the
// retries of one batch share). A batch that fails (transport error, timeout, non-2xx) is retried
// with doubling backoff up to max_attempts, then given up and counted. Batches go one at a time,
// so events arrive in order, and a dead receiver only fills the queue: chat never waits for it.
// Owner: app main (or a test); it must outlive the server that publishes into it.
// Thread: publish(), wants() and stats() from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "jim/base/clock.hpp"
#include "jim/hooks/http_client.hpp"
#include "jim/service/events.hpp"

namespace jim::hooks {

struct WebhookOptions {
    Url url;
    std::string secret;
    std::uint32_t events = 0;  // bit (1 << EventType) per wanted event
    std::size_t queue_max = 10000;
    std::size_t batch_max = 100;
    std::chrono::milliseconds timeout{5000};
    int max_attempts = 5;
    std::chrono::milliseconds backoff{500};  // first retry; doubles, at most max_backoff
    std::chrono::milliseconds max_backoff{30000};
    HttpTlsOptions tls;  // for an https url
};

struct WebhookStats {
    std::uint64_t published = 0;  // events accepted into the queue
    std::uint64_t dropped = 0;    // events refused because the queue was full
    std::uint64_t delivered = 0;  // events in batches the receiver accepted (2xx)
    std::uint64_t failed = 0;     // events in batches given up after max_attempts
    std::uint64_t batches = 0;    // batches delivered
    std::uint64_t retries = 0;    // attempts after the first
    std::uint64_t queued = 0;     // events waiting now
};

// The event mask for names like "user.online"; unknown names are returned in `unknown`.
std::uint32_t event_mask(const std::vector<std::string>& names, std::string* unknown = nullptr);

class Webhooks final : public service::EventSink {
  public:
    Webhooks(WebhookOptions options, const Clock& clock);
    // Stops the sender; events still queued are not sent.
    ~Webhooks() override;
    Webhooks(const Webhooks&) = delete;
    Webhooks& operator=(const Webhooks&) = delete;

    bool wants(service::EventType type) const noexcept override;
    void publish(service::EventType type, std::string data_json) override;
    WebhookStats stats() const;

  private:
    void run();
    bool send_batch(const std::string& body, std::size_t events);

    const WebhookOptions options_;
    const Clock& clock_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;  // rendered events
    WebhookStats stats_;
    bool stop_ = false;
    std::uint64_t next_delivery_ = 1;
    std::thread thread_;
    HttpClient client_;  // last: destroyed first, so no callback outlives mu_ and cv_
};

}  // namespace jim::hooks
