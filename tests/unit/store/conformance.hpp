#pragma once
// The conformance fixture: every test using it runs once per engine. A new engine (redis, P6)
// adds its name to kEngines and must pass the whole suite unchanged.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "jim/store/message_store.hpp"
#include "store_test_util.hpp"

namespace jim::store::test {

inline const auto kEngines = ::testing::Values(std::string("memory"), std::string("rocksdb"));

inline std::string engine_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
  protected:
    // Opens the engine under test. Each call gets a fresh database directory.
    std::unique_ptr<MessageStore> open(StoreOptions options = {}) {
        options.engine = GetParam();
        options.path = dir_.path() + "/db" + std::to_string(++opened_);
        return open_store(options);
    }

  private:
    TempDir dir_;
    int opened_ = 0;
};

}  // namespace jim::store::test
