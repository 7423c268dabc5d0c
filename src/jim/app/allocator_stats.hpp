#pragma once
// The allocator's own figures for /metrics, when jim-server is linked with jemalloc
// (jemalloc_conf.cpp, compiled only then; JIM_JEMALLOC is defined with it). The soak judges live
// memory by them: RSS also counts pages the allocator has not returned yet.
// Thread: any (jemalloc's statistics are process-wide).

#include "jim/api/metrics_text.hpp"

namespace jim::app {

// jim_allocator_{allocated,active,metadata,resident,dirty}_bytes, refreshed at each call.
void allocator_metrics(api::MetricsText& m);

}  // namespace jim::app
