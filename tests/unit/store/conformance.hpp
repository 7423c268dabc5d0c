#pragma once
// The conformance fixture: every test using it runs once per engine, and every engine must pass
// the whole suite unchanged. The redis engine runs in its own binary (store_redis_test, label
// `redis`, built with JIM_STORE_TEST_REDIS) against one redis-server started for that binary;
// each open() gets its own key prefix, so tests never see each other's data.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "jim/store/message_store.hpp"
#include "store_test_util.hpp"

#ifdef JIM_STORE_TEST_REDIS
#include "support/redis_server.hpp"
#endif

namespace jim::store::test {

#ifdef JIM_STORE_TEST_REDIS
inline const auto kEngines = ::testing::Values(std::string("redis"));

// One server for the whole binary, started on first use, stopped (by PID) at exit.
inline jim::testing::RedisServer& shared_redis() {
    static jim::testing::RedisServer server;
    return server;
}
#else
inline const auto kEngines = ::testing::Values(std::string("memory"), std::string("rocksdb"));
#endif

inline std::string engine_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
  protected:
    // Opens the engine under test. Each call gets a fresh database directory.
    std::unique_ptr<MessageStore> open(StoreOptions options = {}) {
        options.engine = GetParam();
        options.path = dir_.path() + "/db" + std::to_string(++opened_);
#ifdef JIM_STORE_TEST_REDIS
        static int prefixes = 0;
        options.redis = shared_redis().url();
        options.redis_prefix = "t" + std::to_string(++prefixes);
#endif
        return open_store(options);
    }

  private:
    TempDir dir_;
    int opened_ = 0;
};

}  // namespace jim::store::test
