// jemalloc's built-in options, compiled into jim-server only when it links jemalloc
// (CMakeLists.txt); MALLOC_CONF in the environment still overrides them.
//
// background_thread: one jemalloc thread returns freed pages to the system once they have been
// unused for dirty_decay_ms (10 s). Without it an arena purges only while its threads allocate,
// so a RocksDB flush or compaction thread that freed tens of MB and then went idle kept them
// resident for good: 32 MB of a 106 MB RSS in the 30-minute soak (bench/RESULTS.md).

extern "C" {
// The name and type jemalloc looks for (an unprefixed build, as Debian's).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = "background_thread:true,max_background_threads:1";
}
