#pragma once
// Invariant check for fuzz targets: a failed check aborts, which libFuzzer reports as a crash
// with the input saved. Unlike assert() it stays on in release builds.

#include <cstdio>
#include <cstdlib>

#define JIM_FUZZ_CHECK(cond)                                                              \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (false)
