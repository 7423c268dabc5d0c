#pragma once
// A read-only view of one Redis reply (a hiredis redisReply), so that callers never include
// hiredis. A view is valid only during the callback that received it: copy what you keep.
// Thread: the Link's io_context thread (the callback's).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

struct redisReply;

namespace jim::redis {

class Reply {
  public:
    // none: no reply at all, the command was not sent or its outcome is unknown (link down or
    // lost while it was in flight).
    enum class Type : std::uint8_t { none, string, status, error, integer, nil, array };

    Reply() = default;
    explicit Reply(const redisReply* reply) : reply_(reply) {}

    Type type() const;
    // A reply arrived and it is not an error.
    bool ok() const { return type() != Type::none && type() != Type::error; }
    bool is_nil() const { return type() == Type::nil; }
    // The bytes of a string, status or error reply (empty otherwise).
    std::string_view str() const;
    // An integer reply, or a string reply holding a decimal integer.
    std::optional<std::int64_t> integer() const;
    std::size_t size() const;       // elements of an array reply (0 otherwise)
    Reply at(std::size_t i) const;  // element i of an array reply (none when out of range)

  private:
    const redisReply* reply_ = nullptr;
};

}  // namespace jim::redis
