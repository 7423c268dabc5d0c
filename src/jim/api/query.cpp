#include "jim/api/query.hpp"

// Boost.URL is used header-only: Debian ships its headers but no compiled library, so this one
// translation unit compiles its sources.
#include <boost/url/parse.hpp>
#include <boost/url/src.hpp>
#include <boost/url/url_view.hpp>

namespace jim::api {

std::optional<std::string> decoded_path(std::string_view target) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) return std::nullopt;
    return std::string(u->path());
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) return std::nullopt;
    for (const auto& p : u->params()) {
        if (p.key == name) return std::string(p.value);
    }
    return std::nullopt;
}

}  // namespace jim::api
