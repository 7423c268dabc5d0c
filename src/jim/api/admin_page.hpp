#pragma once
// The live dashboard served at GET /admin: one self-contained HTML page (no files needed, so it
// works whatever http.root is). It holds no data: its script polls /metrics and
// /api/users/online with the API key the operator types in (kept in sessionStorage).
// Thread: any (a constant).

#include <string_view>

namespace jim::api {

extern const std::string_view kAdminPage;

}  // namespace jim::api
