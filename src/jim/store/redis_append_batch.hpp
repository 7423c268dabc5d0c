#pragma once
// The appends of the redis engine that go to Redis in one EVALSHA of the append script
// (redis_scripts.hpp, kAppend): their keys and arguments side by side, and what each caller
// waits for. Sending several appends in one script call spends Redis's per-call cost (script
// lookup, argument tables, reply) once per batch; bench/RESULTS.md has the numbers.
// Role: a value the store builds, sends and completes. Thread: the store thread only.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jim/redis/reply.hpp"
#include "jim/store/message_store.hpp"

namespace jim::store::detail {

class AppendBatch {
  public:
    // What the store counts from one completed batch.
    struct Counts {
        std::uint64_t appends = 0;  // new messages
        std::uint64_t duplicates = 0;
        std::uint64_t inbox_dropped = 0;
    };

    // Adds one append. `keys` are its keys in the script's order (see kAppend), `body_head` the
    // body up to and including "seq": (the script writes head + seq + "}").
    void add(const AppendRequest& request, std::span<const std::string> keys, std::string body_head,
             std::string header, std::function<void(AppendResult)> done);

    std::size_t size() const { return pending_.size(); }
    bool empty() const { return pending_.empty(); }

    // The EVALSHA command; views into this batch and the arguments, valid while both live.
    std::vector<std::string_view> command(std::string_view sha, std::string_view prefix,
                                          std::string_view inbox_max, std::string_view ttl_on);

    // Reads each append's result from the script's answer: its part of it, or the error of
    // the whole call (then nothing is known to be stored). The store counts them before
    // deliver(), so a caller that has its result also sees it in StoreStats.
    Counts complete(redis::Reply reply);
    // Hands each caller its result, in the order they were added.
    void deliver();

  private:
    struct Pending {
        std::string body_head;
        std::string id;
        std::int64_t create_time = 0;
        std::function<void(AppendResult)> done;
        AppendResult result;  // set by complete()
    };

    std::vector<std::string> keys_;
    std::vector<std::string> args_;  // 7 per append, see kAppend
    std::vector<Pending> pending_;
    std::string key_count_;
};

}  // namespace jim::store::detail
