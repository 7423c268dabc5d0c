// Operations routes on the shared port: liveness, readiness, Prometheus metrics and the live
// dashboard page (docs/operations.md).
//
//   GET /healthz   200 {"status":"ok"} while the worker loop answers, {"status":"degraded"}
//                  while the Redis link is down (public; still 200: the process is alive)
//   GET /readyz    200 {"status":"ready"}, or 503 {"status":"not_ready"} while stopping (public)
//   GET /metrics   Prometheus text format (api.key, or loopback without a key)
//   GET /admin     the dashboard page (public shell; its data comes from /metrics and
//                  /api/users/online with the key the operator types in)

#include <boost/beast/http/field.hpp>

#include "jim/api/admin_page.hpp"
#include "jim/api/http_api.hpp"
#include "jim/api/metrics_text.hpp"

namespace jim::api {
namespace http = boost::beast::http;

namespace {

Response text_response(const Request& req, http::status status, std::string_view content_type,
                       std::string body) {
    Response res{status, req.version()};
    res.set(http::field::server, kServerName);
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace

bool HttpApi::handle_ops(const Request& req, const std::string& path, bool loopback,
                         std::function<void(Response)>& respond) {
    if (path != "/healthz" && path != "/readyz" && path != "/metrics" && path != "/admin") {
        return false;
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed",
                              "use GET, HEAD");
        res.set(http::field::allow, "GET, HEAD");
        respond(std::move(res));
        return true;
    }
    if (path == "/healthz") {
        respond(json_response(req, http::status::ok,
                              backend_.degraded()
                                  ? R"({"status":"degraded","reason":"redis_link_down"})"
                                  : R"({"status":"ok"})"));
    } else if (path == "/readyz") {
        const bool ready = backend_.ready();
        respond(json_response(req, ready ? http::status::ok : http::status::service_unavailable,
                              ready ? R"({"status":"ready"})" : R"({"status":"not_ready"})"));
    } else if (path == "/metrics") {
        if (!authorized(req, loopback)) {
            refuse(req, respond);
        } else {
            respond(
                text_response(req, http::status::ok, kMetricsContentType, backend_.metrics_text()));
        }
    } else {
        auto res = text_response(req, http::status::ok, "text/html; charset=utf-8",
                                 std::string(kAdminPage));
        res.set("X-Content-Type-Options", "nosniff");
        res.set("Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "connect-src 'self'");
        respond(std::move(res));
    }
    return true;
}

}  // namespace jim::api
