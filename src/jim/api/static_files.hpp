#pragma once
// Serves files below one root directory. A request can never reach outside it: the decoded path
// may not contain ".." segments, NUL or backslashes, and the resolved file (symlinks followed)
// must still lie below the canonical root. Thread: any (immutable after construction).

#include <filesystem>
#include <string>

#include "jim/api/http_util.hpp"

namespace jim::api {

class StaticFiles {
  public:
    // An empty or missing root serves nothing (404 for every path).
    explicit StaticFiles(const std::string& root, std::size_t max_file_size = 16u * 1024 * 1024);

    // GET or HEAD of `path` (already percent-decoded). Sets status, headers and body.
    Response serve(const Request& req, const std::string& path) const;

    // Content-Type for a file name, by extension.
    static std::string_view content_type(const std::filesystem::path& file);

  private:
    std::filesystem::path root_;  // canonical; empty when not serving
    std::size_t max_file_size_;
};

}  // namespace jim::api
