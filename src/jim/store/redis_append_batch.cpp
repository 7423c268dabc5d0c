#include "jim/store/redis_append_batch.hpp"

#include "jim/store/encoding.hpp"

namespace jim::store::detail {
namespace {

using redis::Reply;

Errc reply_error(const Reply& r) {
    if (r.type() == Reply::Type::error && r.str().starts_with("OOM")) return Errc::store_full;
    return Errc::store_error;
}

bool to_u64(const Reply& r, std::uint64_t& out) {
    const auto v = r.integer();
    if (!v || *v < 0) return false;
    out = static_cast<std::uint64_t>(*v);
    return true;
}

}  // namespace

void AppendBatch::add(const AppendRequest& request, std::span<const std::string> keys,
                      std::string body_head, std::string header,
                      std::function<void(AppendResult)> done) {
    keys_.insert(keys_.end(), keys.begin(), keys.end());
    args_.push_back(request.conversation);
    args_.push_back(request.sender);
    args_.push_back(request.client_msg_id);
    args_.push_back(std::move(header));
    args_.push_back(body_head);
    args_.push_back(std::to_string(request.create_time));
    args_.push_back(std::to_string(request.inbox_users.size()));
    pending_.push_back(
        {std::move(body_head), request.id, request.create_time, std::move(done), {}});
}

std::vector<std::string_view> AppendBatch::command(std::string_view sha, std::string_view prefix,
                                                   std::string_view inbox_max,
                                                   std::string_view ttl_on) {
    key_count_ = std::to_string(keys_.size());
    std::vector<std::string_view> argv;
    argv.reserve(6 + keys_.size() + args_.size());
    argv.push_back("EVALSHA");
    argv.push_back(sha);
    argv.push_back(key_count_);
    argv.insert(argv.end(), keys_.begin(), keys_.end());
    argv.push_back(prefix);
    argv.push_back(inbox_max);
    argv.push_back(ttl_on);
    argv.insert(argv.end(), args_.begin(), args_.end());
    return argv;
}

AppendBatch::Counts AppendBatch::complete(Reply r) {
    Counts counts;
    const bool whole = r.type() == Reply::Type::array && r.size() == 3 * pending_.size();
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        Pending& p = pending_[i];
        AppendResult& result = p.result;
        std::uint64_t seq = 0;
        if (!whole || !to_u64(r.at(3 * i + 1), seq) || seq == 0) {
            result.error = whole ? Errc::store_error : reply_error(r);
        } else if (r.at(3 * i).integer() == 1) {
            MessageRecord original;
            if (!decode_message(r.at(3 * i + 2).str(), original, nullptr)) {
                result.error = Errc::store_error;
            } else {
                result.duplicate = true;
                result.seq = seq;
                result.id = std::move(original.id);
                result.create_time = original.create_time;
                result.body = std::move(original.body);
                ++counts.duplicates;
            }
        } else {
            std::uint64_t dropped = 0;
            to_u64(r.at(3 * i + 2), dropped);
            counts.inbox_dropped += dropped;
            ++counts.appends;
            result.seq = seq;
            result.id = std::move(p.id);
            result.create_time = p.create_time;
            result.body = std::move(p.body_head);
            result.body += std::to_string(seq);
            result.body += '}';
        }
    }
    return counts;
}

void AppendBatch::deliver() {
    for (Pending& p : pending_) {
        if (p.done) p.done(std::move(p.result));
    }
}

}  // namespace jim::store::detail
