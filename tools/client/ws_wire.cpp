#include "client/ws_wire.hpp"

#include "jim/codec/ws_frame.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace jim::client::ws {

DecodeResult decode(std::string_view in, std::uint64_t max_payload) {
    DecodeResult r;
    if (in.size() < 2) return r;
    const auto byte = [&in](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
    const bool masked = (byte(1) & 0x80) != 0;
    const std::uint8_t len7 = byte(1) & 0x7F;
    std::size_t header = 2;
    std::uint64_t length = len7;
    if (len7 >= 126) {
        const std::size_t bytes = len7 == 126 ? 2 : 8;
        if (in.size() < 2 + bytes) return r;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | byte(2 + i);
        header += bytes;
    }
    if ((length >> 63) != 0 || length > max_payload) {
        r.status = Status::error;
        return r;
    }
    MaskKey key{};
    if (masked) {
        if (in.size() < header + 4) return r;
        for (std::size_t i = 0; i < 4; ++i) key[i] = byte(header + i);
        header += 4;
    }
    if (in.size() - header < length) return r;
    const auto size = static_cast<std::size_t>(length);
    r.frame.fin = (byte(0) & 0x80) != 0;
    r.frame.rsv = static_cast<std::uint8_t>((byte(0) >> 4) & 0x7);
    r.frame.opcode = byte(0) & 0x0F;
    r.frame.masked = masked;
    r.frame.payload.assign(in.substr(header, size));
    if (masked) {
        for (std::size_t i = 0; i < size; ++i) r.frame.payload[i] ^= static_cast<char>(key[i % 4]);
    }
    r.status = Status::ok;
    r.consumed = header + size;
    return r;
}

void encode(bool fin, std::uint8_t opcode, std::string_view payload,
            const std::optional<MaskKey>& mask, std::uint8_t rsv, std::string& out) {
    const auto first =
        static_cast<std::uint8_t>((fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0F));
    const std::uint8_t mask_bit = mask ? 0x80 : 0;
    out.push_back(static_cast<char>(first));
    const std::uint64_t size = payload.size();
    if (size < 126) {
        out.push_back(static_cast<char>(mask_bit | size));
    } else {
        const std::size_t bytes = size <= 0xFFFF ? 2 : 8;
        out.push_back(static_cast<char>(mask_bit | (bytes == 2 ? 126 : 127)));
        for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>(size >> (8 * i)));
    }
    if (!mask) {
        out.append(payload);
        return;
    }
    for (const std::uint8_t k : *mask) out.push_back(static_cast<char>(k));
    const std::size_t start = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out[start + i] ^= static_cast<char>((*mask)[i % 4]);
    }
}

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                    reinterpret_cast<const unsigned char*>(bytes.data()),
                                    static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string accept_for(std::string_view key) {
    return jim::codec::ws::accept_key(key);
}

std::string random_key() {
    unsigned char raw[16];
    ::RAND_bytes(raw, sizeof raw);
    return base64(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

MaskKey random_mask() {
    MaskKey key{};
    ::RAND_bytes(key.data(), static_cast<int>(key.size()));
    return key;
}

}  // namespace jim::client::ws
