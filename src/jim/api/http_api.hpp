#pragma once
// The HTTP API for the business backend (J-IM's three /api routes, made to work, and the admin
// routes for users, groups, messages, sessions and statistics) and the static web page, on the
// shared port. Routes are one table (route_table() in http_api.cpp); see docs/http-api.md and
// docs/openapi.yaml.
//
// Access: with api.key set, /api/* and /metrics need "Authorization: Bearer <key>"; without a
// key only loopback clients may call them. Static files, /healthz, /readyz and the /admin page
// shell (which fetches its data with the key) are public.
// Thread: handle() runs on the worker that parsed the request; the object is immutable.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/api/http_util.hpp"
#include "jim/api/static_files.hpp"
#include "jim/service/command_service.hpp"

namespace jim::api {

struct SessionInfo {
    std::string protocol;  // "tcp", "ws"
    unsigned worker = 0;
};

// What the API needs from the running server. Implemented by net::Server.
// Thread: called on a worker thread.
class Backend {
  public:
    virtual ~Backend() = default;
    virtual bool online(std::string_view user) = 0;
    virtual std::size_t online_count() = 0;
    virtual std::vector<std::string> online_users(std::size_t limit) = 0;
    virtual std::vector<SessionInfo> sessions(std::string_view user) = 0;
    virtual std::size_t kick(std::string_view user) = 0;
    // Sends a chat message as `from`; `done` runs on the calling worker.
    virtual void send_chat(std::string_view from, std::string_view body,
                           std::function<void(service::ChatOutcome)> done) = 0;
    // Profiles and contact lists (people_routes.cpp); `done` runs on the calling worker.
    virtual void set_profile(std::string user, router::Profile profile,
                             std::function<void(Errc)> done) = 0;
    virtual void get_profile(std::string user,
                             std::function<void(Result<std::optional<router::Profile>>)> done) = 0;
    virtual void add_friend(std::string user, std::string friend_id, std::string category,
                            std::function<void(Errc)> done) = 0;
    virtual void remove_friend(std::string user, std::string friend_id,
                               std::function<void(Errc)> done) = 0;
    virtual void friends(std::string user,
                         std::function<void(Result<std::vector<store::Friend>>)> done) = 0;
    // Recalls a message as the admin (no sender check, no window); `done` runs on the calling
    // worker.
    virtual void recall(service::RecallTarget target,
                        std::function<void(service::RecallOutcome)> done) = 0;
    // GET /readyz: whether the server takes traffic now (false while it stops).
    virtual bool ready() = 0;
    // GET /healthz: whether a dependency the server can live without for a while (the Redis
    // link of the cluster or the store) is down; the server still serves what it can.
    virtual bool degraded() { return false; }
    // GET /metrics: the Prometheus text exposition of every counter.
    virtual std::string metrics_text() = 0;
    // The command service (admin operations on users and groups, the store).
    virtual service::CommandService& service() noexcept = 0;
    // The calling worker's context (to come home from the store).
    virtual service::WorkerContext& context() = 0;
    // Server statistics as one JSON object (GET /api/stats).
    virtual std::string stats_json() = 0;
};

// One API route: "GET", "/api/groups/{groupId}".
struct RouteInfo {
    std::string method;
    std::string path;
};

// Every API route, from the one table requests are matched against; docs/openapi.yaml must
// describe exactly these (checked by a test).
std::vector<RouteInfo> api_routes();

struct ApiOptions {
    std::string key;          // api.key; empty: loopback clients only
    std::string static_root;  // http.root
};

class HttpApi {
  public:
    HttpApi(ApiOptions options, Backend& backend);

    // Answers one request through `respond` (now or later, on the same worker).
    void handle(const Request& req, bool loopback, std::function<void(Response)> respond);

  private:
    bool authorized(const Request& req, bool loopback) const;
    void refuse(const Request& req, std::function<void(Response)>& respond) const;
    // /healthz, /readyz, /metrics, /admin (ops_routes.cpp); false for any other path.
    bool handle_ops(const Request& req, const std::string& path, bool loopback,
                    std::function<void(Response)>& respond);
    void handle_api(const Request& req, const std::string& path,
                    std::function<void(Response)>& respond);

    ApiOptions options_;
    Backend& backend_;
    StaticFiles files_;
};

}  // namespace jim::api
