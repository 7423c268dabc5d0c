#include "jim/redis/reply.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace jim::redis {

Reply::Type Reply::type() const {
    if (reply_ == nullptr) return Type::none;
    switch (reply_->type) {
        case REDIS_REPLY_STRING:
            return Type::string;
        case REDIS_REPLY_STATUS:
            return Type::status;
        case REDIS_REPLY_ERROR:
            return Type::error;
        case REDIS_REPLY_INTEGER:
            return Type::integer;
        case REDIS_REPLY_NIL:
            return Type::nil;
        case REDIS_REPLY_ARRAY:
            return Type::array;
        default:
            return Type::none;
    }
}

std::string_view Reply::str() const {
    const Type t = type();
    if (t != Type::string && t != Type::status && t != Type::error) return {};
    return {reply_->str, reply_->len};
}

std::optional<std::int64_t> Reply::integer() const {
    if (type() == Type::integer) return reply_->integer;
    if (type() != Type::string) return std::nullopt;
    std::int64_t v = 0;
    const char* end = reply_->str + reply_->len;
    const auto [p, ec] = std::from_chars(reply_->str, end, v);
    if (ec != std::errc() || p != end) return std::nullopt;
    return v;
}

std::size_t Reply::size() const {
    return type() == Type::array ? reply_->elements : 0;
}

Reply Reply::at(std::size_t i) const {
    if (i >= size()) return Reply();
    return Reply(reply_->element[i]);
}

}  // namespace jim::redis
