#pragma once
// Reads a whole private conversation back through cmd 19 type 1, page by page with afterSeq,
// as a client syncing by seq does. Thread: the calling test's.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "client/client.hpp"

namespace jim::testing {

// (seq, content) of `user`'s messages with `peer`, oldest first. A missing or refused page is
// a test failure and ends the reading.
inline std::vector<std::pair<std::int64_t, std::string>> page_history(client::TcpClient& c,
                                                                      const std::string& user,
                                                                      const std::string& peer) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    std::int64_t after = 0;
    while (true) {
        if (!c.send(19, R"({"cmd":19,"type":1,"userId":")" + user + R"(","fromUserId":")" + peer +
                            R"(","afterSeq":)" + std::to_string(after) + "}")) {
            ADD_FAILURE() << "cmd 19 could not be sent";
            return out;
        }
        const auto f = c.read_until(20, std::chrono::seconds(10));
        if (!f) {
            ADD_FAILURE() << "no history page after seq " << after;
            return out;
        }
        const auto o = client::parse_object(f->body);
        if (!o || !o->contains("code") || o->at("code").as_int64() != 10018) {
            ADD_FAILURE() << "history refused: " << f->body;
            return out;
        }
        const auto& page = o->at("data").at("friends").at(peer).as_array();
        if (page.empty()) return out;
        for (const auto& m : page) {
            out.emplace_back(m.at("seq").as_int64(), std::string(m.at("content").as_string()));
        }
        after = out.back().first;
    }
}

}  // namespace jim::testing
