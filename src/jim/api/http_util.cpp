#include "jim/api/http_util.hpp"

#include <boost/beast/http/field.hpp>

#include "jim/proto/json_util.hpp"

namespace jim::api {
namespace http = boost::beast::http;

Response json_response(const Request& req, http::status status, std::string body) {
    Response res{status, req.version()};
    res.set(http::field::server, kServerName);
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response json_error(const Request& req, http::status status, std::string_view error,
                    std::string_view message) {
    std::string body = "{\"error\":";
    proto::append_json_string(body, error);
    body += ",\"message\":";
    proto::append_json_string(body, message);
    body += '}';
    return json_response(req, status, std::move(body));
}

std::string serialize(const Response& res, bool head_request) {
    std::string out = "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    out += res.reason();
    out += "\r\n";
    for (const auto& field : res) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
    if (!head_request) out += res.body();
    return out;
}

Response method_not_allowed(const Request& req, std::string_view allow) {
    auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed",
                          "use " + std::string(allow));
    res.set(http::field::allow, allow);
    return res;
}

}  // namespace jim::api
