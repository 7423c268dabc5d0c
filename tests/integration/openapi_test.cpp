// docs/openapi.yaml and the server's route table (api::api_routes(), the table requests are
// matched against) must list the same routes, so neither drifts from the other.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "jim/api/http_api.hpp"

namespace jim::testing {
namespace {

// "GET /api/x" for every operation under `paths:` (2-space path keys, 4-space method keys).
std::set<std::string> documented_routes(const std::string& file) {
    std::ifstream in(file);
    EXPECT_TRUE(in) << file;
    static const std::set<std::string> kMethods{"get", "post", "put", "patch", "delete", "head"};
    std::set<std::string> out;
    bool in_paths = false;
    std::string path;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        if (line[0] != ' ') {
            in_paths = line == "paths:";
            continue;
        }
        if (!in_paths) continue;
        if (line.rfind("  /", 0) == 0 && line.back() == ':') {
            path = line.substr(2, line.size() - 3);
        } else if (line.rfind("    ", 0) == 0 && line[4] != ' ') {
            const auto colon = line.find(':');
            const std::string key = line.substr(4, colon - 4);
            if (kMethods.count(key) != 0) {
                std::string method = key;
                for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
                out.insert(method + ' ' + path);
            }
        }
    }
    return out;
}

TEST(OpenApi, DescribesExactlyTheServersRoutes) {
    std::set<std::string> served;
    for (const auto& r : api::api_routes()) {
        EXPECT_TRUE(served.insert(r.method + ' ' + r.path).second) << "twice: " << r.path;
    }
    const auto documented = documented_routes(JIM_SOURCE_DIR "/docs/openapi.yaml");
    for (const auto& r : served) {
        EXPECT_EQ(documented.count(r), 1u) << r << " is served but not in docs/openapi.yaml";
    }
    for (const auto& r : documented) {
        EXPECT_EQ(served.count(r), 1u) << r << " is in docs/openapi.yaml but not served";
    }
    EXPECT_GE(served.size(), 26u);
}

}  // namespace
}  // namespace jim::testing
