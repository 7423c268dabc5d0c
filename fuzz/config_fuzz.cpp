// Fuzzes the configuration loader (src/jim/app/config.*): a TOML file and --set overrides of
// arbitrary bytes. Checks: nothing crashes or throws; the answer is true exactly when no problem
// was reported, every problem names what it concerns, a refused configuration leaves the
// caller's Config untouched, an accepted one keeps the documented lower bounds, and loading
// the same input twice gives the same answer.
//
// Input: the file text, then a NUL byte, then overrides one per line.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "jim/app/config.hpp"

namespace {

const std::string& config_path() {
    static const std::string path = "/tmp/jim-fuzz-config-" + std::to_string(getpid()) + ".toml";
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nul = in.find('\0');
    const std::string_view file_text = in.substr(0, nul);
    std::vector<std::string> overrides;
    if (nul != std::string_view::npos) {
        std::string_view rest = in.substr(nul + 1);
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            overrides.emplace_back(rest.substr(0, nl));
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
    }
    std::string file;
    if (!file_text.empty()) {
        file = config_path();
        std::ofstream(file, std::ios::binary | std::ios::trunc)
            .write(file_text.data(), static_cast<std::streamsize>(file_text.size()));
    }

    jim::app::Config out;
    out.server.port = 4242;  // a sentinel: a refused load must not touch it
    out.log.level = "sentinel";
    std::vector<std::string> problems;
    const bool ok = jim::app::load_config(file, overrides, out, problems);
    JIM_FUZZ_CHECK(ok == problems.empty());
    for (const auto& p : problems) JIM_FUZZ_CHECK(!p.empty());
    if (!ok) {
        JIM_FUZZ_CHECK(out.server.port == 4242 && out.log.level == "sentinel");
    } else {
        JIM_FUZZ_CHECK(out.server.heartbeat_timeout_ms >= 0);
        JIM_FUZZ_CHECK(out.server.shutdown_timeout_ms >= 0);
        JIM_FUZZ_CHECK(out.limits.login_timeout_ms >= 0);
        JIM_FUZZ_CHECK(out.store.history_ttl_s >= 0 && out.store.inbox_max >= 0);
        JIM_FUZZ_CHECK(out.server.workers >= 0 && out.server.workers <= 256);
        JIM_FUZZ_CHECK(out.limits.max_body_bytes >= 1);
        JIM_FUZZ_CHECK(out.limits.max_http_head_bytes >= 1024 &&
                       out.limits.max_http_head_bytes <= 1048576);
        JIM_FUZZ_CHECK(out.tls.cert.empty() == out.tls.key.empty());
    }

    jim::app::Config again;
    std::vector<std::string> problems_again;
    JIM_FUZZ_CHECK(jim::app::load_config(file, overrides, again, problems_again) == ok);
    JIM_FUZZ_CHECK(problems_again == problems);
    if (ok) JIM_FUZZ_CHECK(again.server.port == out.server.port);
    return 0;
}
