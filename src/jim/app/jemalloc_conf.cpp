// jemalloc's built-in options and its statistics for /metrics, compiled into jim-server only
// when it links jemalloc (CMakeLists.txt); MALLOC_CONF in the environment still overrides the
// options.
//
// background_thread: one jemalloc thread returns freed pages to the system once they have been
// unused for dirty_decay_ms (10 s). Without it an arena purges only while its threads allocate,
// so a RocksDB flush or compaction thread that freed tens of MB and then went idle kept them
// resident for good: 32 MB of a 106 MB RSS in the 30-minute soak (bench/RESULTS.md).

#include <jemalloc/jemalloc.h>

#include <cstdint>

#include "jim/app/allocator_stats.hpp"

extern "C" {
// The name and type jemalloc looks for (an unprefixed build, as Debian's).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = "background_thread:true,max_background_threads:1";
}

namespace jim::app {

void allocator_metrics(api::MetricsText& m) {
    std::uint64_t epoch = 1;
    std::size_t epoch_size = sizeof epoch;
    mallctl("epoch", &epoch, &epoch_size, &epoch, epoch_size);  // refresh the statistics
    const struct {
        const char* ctl;
        const char* name;
        const char* help;
    } rows[] = {
        {"stats.allocated", "jim_allocator_allocated_bytes",
         "Bytes the program holds from the allocator (live heap)."},
        {"stats.active", "jim_allocator_active_bytes", "Bytes in pages with live allocations."},
        {"stats.metadata", "jim_allocator_metadata_bytes", "The allocator's own bookkeeping."},
        {"stats.resident", "jim_allocator_resident_bytes",
         "Bytes in pages the allocator has resident (not yet returned to the system)."},
    };
    for (const auto& row : rows) {
        std::size_t value = 0;
        std::size_t size = sizeof value;
        if (mallctl(row.ctl, &value, &size, nullptr, 0) != 0) continue;
        m.family(row.name, "gauge", row.help);
        m.sample(row.name, {}, static_cast<std::uint64_t>(value));
    }
    // Freed pages every arena still holds (MALLCTL_ARENAS_ALL sums them): they leave after
    // dirty_decay_ms, so a level that stays up says the decay is not running.
    std::size_t page = 0;
    std::size_t dirty = 0;
    std::size_t size = sizeof page;
    if (mallctl("arenas.page", &page, &size, nullptr, 0) == 0 &&
        mallctl("stats.arenas.4096.pdirty", &dirty, &size, nullptr, 0) == 0) {
        m.family("jim_allocator_dirty_bytes", "gauge",
                 "Freed pages the allocator holds until dirty_decay_ms returns them.");
        m.sample("jim_allocator_dirty_bytes", {}, static_cast<std::uint64_t>(dirty * page));
    }
}

}  // namespace jim::app
