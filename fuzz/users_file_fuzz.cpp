// Fuzzes the static users file reader (auth.mode = "static", src/jim/auth/static_users.cpp):
// arbitrary bytes as the file. At start-up a bad file is refused with std::runtime_error and a
// message naming each bad line; anything else escaping (another exception, a crash) is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#include "fuzz_check.hpp"
#include "jim/auth/authenticator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = "/tmp/jim-fuzz-users-" + std::to_string(getpid()) + ".txt";
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    try {
        const auto auth = jim::auth::make_static_authenticator(path);
        JIM_FUZZ_CHECK(auth->mode() == "static");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        JIM_FUZZ_CHECK(what.find("auth.users_file") != std::string::npos);
    }
    return 0;
}
