#pragma once
// PostQueue: other threads hand functions to one io_context, and a burst of them costs one
// asio::post (one lock of the io_context's queue, at most one wake-up of its thread) instead of
// one per function. The store thread completes a whole group commit at once, so its callbacks
// for one worker arrive as such a burst (bench/handoff_bench.cpp measures both ways).
//
// Order: functions run in the order they were posted (from any one thread).
// Owner: the Worker (one per io_context). Thread: post() any thread; the functions run on the
// io_context's thread. The queue must outlive every post() and the io_context's last run.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace jim::net {

class PostQueue {
  public:
    explicit PostQueue(boost::asio::io_context& io) : io_(io) {}
    PostQueue(const PostQueue&) = delete;
    PostQueue& operator=(const PostQueue&) = delete;

    void post(std::function<void()> fn) {
        bool first = false;
        {
            std::lock_guard lock(mu_);
            first = pending_.empty();
            pending_.push_back(std::move(fn));
        }
        if (first) boost::asio::post(io_, [this] { run(); });
    }

  private:
    // On the io_context's thread. A function that posts again lands in the fresh pending_ and
    // gets a run of its own.
    void run() {
        {
            std::lock_guard lock(mu_);
            running_.swap(pending_);
        }
        for (auto& fn : running_) fn();
        running_.clear();
    }

    boost::asio::io_context& io_;
    std::mutex mu_;
    std::vector<std::function<void()>> pending_;  // guarded by mu_
    std::vector<std::function<void()>> running_;  // io_context thread only
};

}  // namespace jim::net
