#pragma once
// The before-send hook: asks the business backend about each chat message (hook.url).
//
//   POST hook.url   {ChatBody as prepared: from, to/groupId, chatType, content, id, createTime}
//   200             {"action":"accept"} | {"action":"reject","reason":"…"}
//                   | {"action":"replace","content":"…"}
//
// Anything else (a timeout after hook.timeout_ms, a transport error, a non-2xx status, a body
// that is not such an object) is a failure: with fail_open the message passes, otherwise it is
// rejected with "moderation unavailable". Requests carry X-Jim-Signature when a secret is set.
// Owner: app main (or a test); it must outlive the server. Thread: any.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "jim/hooks/http_client.hpp"
#include "jim/service/moderation.hpp"

namespace jim::hooks {

struct ModerationOptions {
    Url url;
    std::string secret;  // signs requests like webhooks when set
    std::chrono::milliseconds timeout{200};
    bool fail_open = true;
    std::size_t max_connections = 64;
    HttpTlsOptions tls;  // for an https url
};

struct ModerationStats {
    std::uint64_t checked = 0;
    std::uint64_t rejected = 0;
    std::uint64_t replaced = 0;
    std::uint64_t failures = 0;  // timeouts, errors, bad answers (decided by fail_open)
};

// Parses the hook's answer; nullopt when it is not one of the three shapes.
std::optional<service::ModerationVerdict> parse_verdict(std::string_view body);

class HttpModerator final : public service::Moderator {
  public:
    explicit HttpModerator(ModerationOptions options);
    void check(const std::string& chat_json,
               std::function<void(service::ModerationVerdict)> done) override;
    ModerationStats stats() const noexcept;

  private:
    const ModerationOptions options_;
    std::atomic<std::uint64_t> checked_{0};
    std::atomic<std::uint64_t> rejected_{0};
    std::atomic<std::uint64_t> replaced_{0};
    std::atomic<std::uint64_t> failures_{0};
    HttpClient client_;  // last: its thread (running callbacks) stops before the counters go
};

}  // namespace jim::hooks
