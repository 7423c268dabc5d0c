#pragma once
// Polls a condition until it holds or a deadline passes: tests wait for something to happen,
// never for a fixed time. The default deadline is generous: it only matters when a test fails.
// Thread: the calling test's.

#include <chrono>
#include <thread>

namespace jim::testing {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(15),
                std::chrono::milliseconds step = std::chrono::milliseconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(step);
    }
    return pred();
}

}  // namespace jim::testing
