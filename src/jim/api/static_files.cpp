#include "jim/api/static_files.hpp"

#include <boost/beast/http/field.hpp>

#include <array>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "jim/api/http_util.hpp"

namespace jim::api {
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

bool safe_relative(const std::string& path) {
    if (path.empty() || path[0] != '/') return false;
    if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return false;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view seg(path.data() + start, end - start);
        // Empty segments ("//etc") would make the rest an absolute path; only a trailing slash
        // (a directory) may leave one.
        if (seg == ".." || seg == "." || (seg.empty() && end != path.size())) return false;
        start = end + 1;
    }
    return true;
}

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& root, std::size_t max_file_size)
    : max_file_size_(max_file_size) {
    std::error_code ec;
    if (!root.empty() && fs::is_directory(root, ec)) root_ = fs::canonical(root, ec);
    if (ec) root_.clear();
}

std::string_view StaticFiles::content_type(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".map", "application/json"},
    }};
    const std::string ext = file.extension().string();
    for (const auto& [e, type] : kTypes) {
        if (e == ext) return type;
    }
    return "application/octet-stream";
}

Response StaticFiles::serve(const Request& req, const std::string& path) const {
    if (root_.empty() || !safe_relative(path)) {
        return json_error(req, http::status::not_found, "not_found", "no such file");
    }
    std::error_code ec;
    fs::path file = root_ / fs::path(path.substr(1));
    if (fs::is_directory(file, ec)) file /= "index.html";
    const fs::path real = fs::canonical(file, ec);
    // Symlinks are followed, so check the real location, not the spelled one.
    const auto root_str = root_.string() + "/";
    if (ec || real.string().compare(0, root_str.size(), root_str) != 0 ||
        !fs::is_regular_file(real, ec)) {
        return json_error(req, http::status::not_found, "not_found", "no such file");
    }
    const auto size = fs::file_size(real, ec);
    if (ec || size > max_file_size_) {
        return json_error(req, http::status::not_found, "not_found", "no such file");
    }
    const auto mtime = fs::last_write_time(real, ec);
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(
            mtime.time_since_epoch() - fs::file_time_type::clock::now().time_since_epoch() +
            std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string etag = "\"" + std::to_string(size) + "-" + std::to_string(secs) + "\"";

    Response res{http::status::ok, req.version()};
    res.set(http::field::server, kServerName);
    res.set(http::field::etag, etag);
    res.set(http::field::last_modified, http_date(static_cast<std::time_t>(secs)));
    // Revalidate every time: the page changes with the server, and 304s are cheap.
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.set(http::field::content_type, content_type(real));
    res.keep_alive(req.keep_alive());
    if (req[http::field::if_none_match] == etag) {
        res.result(http::status::not_modified);
        return res;
    }
    if (req.method() == http::verb::get) {
        std::ifstream in(real, std::ios::binary);
        std::ostringstream body;
        body << in.rdbuf();
        res.body() = std::move(body).str();
        res.prepare_payload();
    } else {
        res.content_length(size);  // HEAD: the length GET would send, no body
    }
    return res;
}

}  // namespace jim::api
