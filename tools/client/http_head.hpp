#pragma once
// HTTP/1.1 pieces shared by HttpClient and WsClient's opening handshake: a header list with
// case-insensitive lookup, and a pure parser for a response head (RFC 9112 §4-5):
//
//   HTTP/1.1 SP 3DIGIT SP reason CRLF
//   name ":" OWS value OWS CRLF        (any number; obsolete line folding is refused)
//   CRLF
//
// Pure: no I/O. Thread: any (objects: one thread at a time).

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jim::client {

// ASCII case-insensitive comparison (header names, tokens).
bool iequals(std::string_view a, std::string_view b);
// True if the comma-separated list `value` holds `token` (case-insensitive), e.g.
// has_token("keep-alive, Upgrade", "upgrade").
bool has_token(std::string_view value, std::string_view token);

// Header fields in the order received or to be sent; names keep their spelling, duplicates are
// kept (set-cookie). Lookups compare names case-insensitively.
class HttpHeaders {
  public:
    using Field = std::pair<std::string, std::string>;

    HttpHeaders() = default;
    HttpHeaders(std::initializer_list<Field> fields) : fields_(fields) {}

    // The value of the first field called `name`.
    std::optional<std::string> get(std::string_view name) const;
    // Every value of fields called `name`, in order.
    std::vector<std::string> get_all(std::string_view name) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }
    void add(std::string name, std::string value);

    std::size_t size() const { return fields_.size(); }
    bool empty() const { return fields_.empty(); }
    auto begin() const { return fields_.begin(); }
    auto end() const { return fields_.end(); }

  private:
    std::vector<Field> fields_;
};

// A parsed response head.
struct ResponseHead {
    std::string version;      // "HTTP/1.1"
    int status = 0;           // 101, 200, ...
    std::string reason;       // "Switching Protocols"
    std::string status_line;  // the first line without CRLF
    HttpHeaders headers;
};

enum class HeadStatus : std::uint8_t { ok, need_more, error };

struct HeadParse {
    HeadStatus status = HeadStatus::need_more;
    std::size_t consumed = 0;  // bytes of the head including the blank line, when ok
    ResponseHead head;
};

// Parses the response head at the start of `in`. error for a malformed head or one longer than
// max_head_bytes; need_more until the blank line arrives.
HeadParse parse_response_head(std::string_view in, std::size_t max_head_bytes = 64 * 1024);

// Serialises a request head: "<method> <target> HTTP/1.1", then `defaults` with any field that
// `extra` names (case-insensitively) replaced by extra's value (an empty extra value drops that
// default field), then the remaining `extra` fields as given, then CRLF.
std::string build_request_head(std::string_view method, std::string_view target,
                               const HttpHeaders& defaults, const HttpHeaders& extra);

}  // namespace jim::client
