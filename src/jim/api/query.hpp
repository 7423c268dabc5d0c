#pragma once
// Request-target helpers on Boost.URL. Thread: any.

#include <optional>
#include <string>
#include <string_view>

namespace jim::api {

// The percent-decoded path of an origin-form target ("/a%20b?x=1" -> "/a b"); nullopt when the
// target is not a valid origin-form.
std::optional<std::string> decoded_path(std::string_view target);

// The first value of query parameter `name`, percent-decoded ('+' is a space); nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace jim::api
