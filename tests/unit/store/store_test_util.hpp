#pragma once
// Helpers for the store tests: blocking wrappers with a deadline around the asynchronous
// MessageStore calls, message builders and a temporary directory.

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "jim/store/message_store.hpp"

namespace jim::store::test {

// Generous: a bound against hangs, never a speed goal (ASan builds are slow).
inline constexpr auto kTimeout = std::chrono::seconds(30);

// Runs `start(callback)` and waits for the callback's argument. Throws on timeout, so a hung
// store fails the test instead of hanging it. The promise is shared with the callback, so a
// late callback after a timeout touches nothing that is gone.
template <class T, class Start>
T await(Start&& start) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    std::forward<Start>(start)([promise](T value) { promise->set_value(std::move(value)); });
    if (future.wait_for(kTimeout) != std::future_status::ready) {
        throw std::runtime_error("store call did not complete in time");
    }
    return future.get();
}

inline AppendRequest message(std::string conversation, std::string sender, std::string body,
                             std::int64_t create_time = 1'700'000'000'000,
                             std::string client_msg_id = {},
                             std::vector<std::string> inbox_users = {}) {
    AppendRequest r;
    r.conversation = std::move(conversation);
    r.sender = std::move(sender);
    r.client_msg_id = std::move(client_msg_id);
    r.id = "id-" + std::to_string(create_time) + "-" + r.sender;
    r.create_time = create_time;
    r.body = std::move(body);
    r.inbox_users = std::move(inbox_users);
    return r;
}

inline AppendResult append(MessageStore& s, AppendRequest r) {
    return await<AppendResult>([&](auto cb) { s.append(std::move(r), cb); });
}

inline std::vector<MessageRecord> history(MessageStore& s, HistoryQuery q) {
    return await<Result<std::vector<MessageRecord>>>([&](auto cb) { s.history(std::move(q), cb); })
        .value();
}

inline std::vector<MessageRecord> history(MessageStore& s, const std::string& conversation) {
    HistoryQuery q;
    q.conversation = conversation;
    q.limit = 1'000'000;
    return history(s, std::move(q));
}

inline std::uint64_t last_seq(MessageStore& s, const std::string& conversation) {
    return await<Result<std::uint64_t>>([&](auto cb) { s.last_seq(conversation, cb); }).value();
}

inline std::vector<InboxEntry> read_inbox(MessageStore& s, const std::string& user,
                                          std::size_t limit = 1000) {
    return await<Result<std::vector<InboxEntry>>>([&](auto cb) { s.read_inbox(user, limit, cb); })
        .value();
}

inline Errc ack_inbox(MessageStore& s, const std::string& user, std::uint64_t up_to) {
    return await<Errc>([&](auto cb) { s.ack_inbox(user, up_to, cb); });
}

inline std::vector<std::uint64_t> seqs(const std::vector<MessageRecord>& records) {
    std::vector<std::uint64_t> out;
    for (const auto& r : records) out.push_back(r.seq);
    return out;
}

inline std::vector<std::uint64_t> message_seqs(const std::vector<InboxEntry>& entries) {
    std::vector<std::uint64_t> out;
    for (const auto& e : entries) out.push_back(e.message.seq);
    return out;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/jim-store-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Holds the store worker inside a callback until release(), so that calls made meanwhile are
// queued together and deterministically land in one run (one group commit).
class WorkerGate {
  public:
    // Queues a call whose callback blocks the worker; returns once the worker is blocked.
    void close(MessageStore& s) {
        auto entered = std::make_shared<std::promise<void>>();
        auto entered_future = entered->get_future();
        s.last_seq("gate", [entered, open = open_](Result<std::uint64_t>) {
            entered->set_value();
            open.wait_for(kTimeout);
        });
        if (entered_future.wait_for(kTimeout) != std::future_status::ready) {
            throw std::runtime_error("store worker did not reach the gate");
        }
    }
    void release() {
        if (!released_) promise_.set_value();
        released_ = true;
    }
    WorkerGate() = default;
    WorkerGate(const WorkerGate&) = delete;
    WorkerGate& operator=(const WorkerGate&) = delete;
    ~WorkerGate() { release(); }  // a failing test must not leave the worker blocked

  private:
    bool released_ = false;
    std::promise<void> promise_;
    std::shared_future<void> open_ = promise_.get_future().share();
};

}  // namespace jim::store::test
