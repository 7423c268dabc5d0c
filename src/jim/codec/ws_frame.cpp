#include "jim/codec/ws_frame.hpp"

#include <openssl/evp.h>

namespace jim::codec::ws {
namespace {

std::uint8_t byte_at(std::span<const char> in, std::size_t i) noexcept {
    return static_cast<std::uint8_t>(in[i]);
}

DecodeResult fail(Errc e) noexcept {
    DecodeResult r;
    r.status = Status::error;
    r.error = e;
    return r;
}

bool defined_opcode(std::uint8_t op) noexcept {
    return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

}  // namespace

DecodeResult decode(std::span<const char> in, const Limits& limits) noexcept {
    DecodeResult r;
    if (in.size() < 2) return r;
    const std::uint8_t b0 = byte_at(in, 0);
    const std::uint8_t b1 = byte_at(in, 1);
    FrameHeader& h = r.header;
    h.fin = (b0 & 0x80) != 0;
    if ((b0 & 0x70) != 0) return fail(Errc::ws_protocol);  // RSV1-3 without an extension
    const std::uint8_t op = b0 & 0x0F;
    if (!defined_opcode(op)) return fail(Errc::ws_protocol);
    h.opcode = static_cast<Opcode>(op);
    h.masked = (b1 & 0x80) != 0;
    if (limits.require_mask && !h.masked) return fail(Errc::ws_protocol);
    const std::uint8_t len7 = b1 & 0x7F;
    if (is_control(h.opcode) && (!h.fin || len7 > kMaxControlPayload)) {
        return fail(Errc::ws_protocol);
    }
    std::size_t pos = 2;
    std::uint64_t size = len7;
    if (len7 == 126) {
        if (in.size() < pos + 2) return r;
        size = (std::uint64_t{byte_at(in, 2)} << 8) | byte_at(in, 3);
        pos += 2;
    } else if (len7 == 127) {
        if (in.size() < pos + 8) return r;
        size = 0;
        for (std::size_t i = 0; i < 8; ++i) size = (size << 8) | byte_at(in, pos + i);
        if ((size >> 63) != 0) return fail(Errc::ws_protocol);  // the MSB must be 0
        pos += 8;
    }
    if (size > limits.max_frame) return fail(Errc::message_too_big);
    if (h.masked) {
        if (in.size() < pos + 4) return r;
        for (std::size_t i = 0; i < 4; ++i) h.mask[i] = byte_at(in, pos + i);
        pos += 4;
    }
    h.payload_size = size;
    h.header_size = pos;
    const std::uint64_t total = pos + size;
    if (in.size() < total) {
        r.needed = static_cast<std::size_t>(total);
        return r;
    }
    r.status = Status::ok;
    return r;
}

void unmask(char* data, std::size_t size, const std::uint8_t mask[4], std::size_t offset) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
        data[i] = static_cast<char>(static_cast<std::uint8_t>(data[i]) ^ mask[(offset + i) & 3]);
    }
}

std::size_t encode_header(Opcode op, std::uint64_t payload_size, bool fin, char* out) noexcept {
    out[0] = static_cast<char>((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(op));
    if (payload_size < 126) {
        out[1] = static_cast<char>(payload_size);
        return 2;
    }
    if (payload_size <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<char>(payload_size >> 8);
        out[3] = static_cast<char>(payload_size);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>(payload_size >> (56 - 8 * i));
    return 10;
}

void encode_frame(Opcode op, std::string_view payload, std::string& out, bool fin) {
    char header[kMaxServerHeaderSize];
    out.append(header, encode_header(op, payload.size(), fin, header));
    out.append(payload);
}

void encode_client_frame(Opcode op, std::string_view payload, const std::uint8_t mask[4],
                         std::string& out, bool fin, std::uint8_t rsv) {
    char header[kMaxServerHeaderSize];
    const std::size_t n = encode_header(op, payload.size(), fin, header);
    header[0] = static_cast<char>(static_cast<std::uint8_t>(header[0]) | ((rsv & 0x7) << 4));
    header[1] = static_cast<char>(static_cast<std::uint8_t>(header[1]) | 0x80);
    out.append(header, n);
    out.append(reinterpret_cast<const char*>(mask), 4);
    const std::size_t start = out.size();
    out.append(payload);
    unmask(out.data() + start, payload.size(), mask);  // masking is the same XOR
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xFF));
    p.append(reason.substr(0, kMaxControlPayload - 2));
    return p;
}

std::string accept_key(std::string_view key) {
    static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input(key);
    input += kGuid;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
    unsigned char out[64];
    const int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool valid_close_code(std::uint16_t code) noexcept {
    if (code >= 3000 && code <= 4999) return true;  // registered and private use
    switch (code) {
        case 1000:
        case 1001:
        case 1002:
        case 1003:
        case 1007:
        case 1008:
        case 1009:
        case 1010:
        case 1011:
        case 1012:
        case 1013:
        case 1014:
            return true;
        default:
            return false;
    }
}

bool valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= n) return false;
        for (std::size_t i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        p += n + 1;
    }
    return true;
}

}  // namespace jim::codec::ws
