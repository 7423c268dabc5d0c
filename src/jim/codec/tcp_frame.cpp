#include "jim/codec/tcp_frame.hpp"

namespace jim::codec::tcp {
namespace {

std::uint32_t load_be32(const char* p) noexcept {
    auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void store_be32(std::uint32_t v, char* p) noexcept {
    p[0] = static_cast<char>(v >> 24);
    p[1] = static_cast<char>(v >> 16);
    p[2] = static_cast<char>(v >> 8);
    p[3] = static_cast<char>(v);
}

DecodeResult fail(Errc e) noexcept {
    DecodeResult r;
    r.status = Status::error;
    r.error = e;
    return r;
}

}  // namespace

DecodeResult decode(std::span<const char> in, const Limits& limits) noexcept {
    DecodeResult r;
    if (in.empty()) return r;
    if (static_cast<std::uint8_t>(in[0]) != kVersion) return fail(Errc::bad_version);
    if (in.size() < 2) return r;
    const auto mask = static_cast<std::uint8_t>(in[1]);
    const bool has_syn = (mask & kMaskSynSeq) != 0;
    const std::size_t header = has_syn ? kHeaderSizeWithSynSeq : kHeaderSize;
    const std::size_t cmd_at = has_syn ? 6 : 2;
    // Validate the command byte as soon as it is here, so garbage closes early.
    if (in.size() > cmd_at) {
        const auto cmd = static_cast<std::uint8_t>(in[cmd_at]);
        if (cmd > limits.max_command) return fail(Errc::unknown_command);  // includes 0x80..0xFF
    }
    if (in.size() < header) return r;
    const std::uint32_t raw_len = load_be32(in.data() + cmd_at + 1);
    if (raw_len > 0x7FFFFFFFu) return fail(Errc::bad_length);  // negative int32
    if (raw_len > limits.max_body) return fail(Errc::body_too_large);
    const std::size_t total = header + raw_len;
    if (in.size() < total) {
        r.needed = total;
        return r;
    }
    r.status = Status::ok;
    r.consumed = total;
    r.frame.mask = mask;
    r.frame.has_syn_seq = has_syn;
    r.frame.syn_seq = has_syn ? static_cast<std::int32_t>(load_be32(in.data() + 2)) : 0;
    r.frame.command = static_cast<std::uint8_t>(in[cmd_at]);
    r.frame.body = std::string_view(in.data() + header, raw_len);
    return r;
}

void encode_header(std::uint8_t command, std::uint32_t body_size, char out[kHeaderSize]) noexcept {
    out[0] = static_cast<char>(kVersion);
    out[1] = static_cast<char>(kServerMask);
    out[2] = static_cast<char>(command);
    store_be32(body_size, out + 3);
}

void encode(std::uint8_t command, std::string_view body, std::string& out) {
    char header[kHeaderSize];
    encode_header(command, static_cast<std::uint32_t>(body.size()), header);
    out.append(header, kHeaderSize);
    out.append(body);
}

void encode_client(std::uint8_t command, std::string_view body, std::string& out, std::uint8_t mask,
                   bool has_syn_seq, std::int32_t syn_seq) {
    mask = has_syn_seq ? static_cast<std::uint8_t>(mask | kMaskSynSeq)
                       : static_cast<std::uint8_t>(mask & ~kMaskSynSeq);
    out.push_back(static_cast<char>(kVersion));
    out.push_back(static_cast<char>(mask));
    if (has_syn_seq) {
        char seq[4];
        store_be32(static_cast<std::uint32_t>(syn_seq), seq);
        out.append(seq, 4);
    }
    out.push_back(static_cast<char>(command));
    char len[4];
    store_be32(static_cast<std::uint32_t>(body.size()), len);
    out.append(len, 4);
    out.append(body);
}

}  // namespace jim::codec::tcp
