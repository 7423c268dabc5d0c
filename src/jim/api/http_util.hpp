#pragma once
// Small shared pieces of the HTTP surface. Thread: any.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace jim::api {

inline constexpr std::string_view kServerName = "jim";

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A JSON response with Content-Type and Content-Length set.
Response json_response(const Request& req, boost::beast::http::status status, std::string body);

// {"error":"<error>","message":"<message>"} with `status`.
Response json_error(const Request& req, boost::beast::http::status status, std::string_view error,
                    std::string_view message);

// 405 with an Allow header naming the methods that are.
Response method_not_allowed(const Request& req, std::string_view allow);

// The whole response as bytes (status line, headers, body; HEAD responses keep no body).
std::string serialize(const Response& res, bool head_request);

}  // namespace jim::api
