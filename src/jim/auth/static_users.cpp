#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "jim/auth/authenticator.hpp"

namespace jim::auth {
namespace {

struct Entry {
    int iterations = 0;
    std::vector<unsigned char> salt;
    std::vector<unsigned char> hash;
    std::string nick;
};

std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        s.push_back(kHex[p[i] >> 4]);
        s.push_back(kHex[p[i] & 0xF]);
    }
    return s;
}

bool from_hex(std::string_view s, std::vector<unsigned char>& out) {
    if (s.empty() || s.size() % 2 != 0) return false;
    out.clear();
    for (std::size_t i = 0; i < s.size(); i += 2) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
        if (ec != std::errc() || p != s.data() + i + 2) return false;
        out.push_back(static_cast<unsigned char>(v));
    }
    return true;
}

std::vector<unsigned char> pbkdf2(std::string_view password, const std::vector<unsigned char>& salt,
                                  int iterations, std::size_t length) {
    std::vector<unsigned char> out(length);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(length), out.data()) != 1) {
        throw std::runtime_error("PBKDF2 failed");
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return parts;
}

class StaticAuthenticator final : public Authenticator {
  public:
    explicit StaticAuthenticator(const std::string& path) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("auth.users_file: cannot open '" + path + "'");
        std::string line;
        std::string problems;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty() || line[0] == '#') continue;
            if (!parse_line(line)) {
                problems += "\n  " + path + ":" + std::to_string(number) +
                            ": expected user_id:pbkdf2-sha256:iterations:salt_hex:hash_hex[:nick]";
            }
        }
        if (!problems.empty()) throw std::runtime_error("auth.users_file is invalid:" + problems);
    }

    AuthResult authenticate(const Credentials& c) const override {
        AuthResult r;
        const auto it = users_.find(c.user_id);
        // Hash even for an unknown user so the reply time does not reveal which ids exist.
        static const Entry kDummy{
            1000, std::vector<unsigned char>(16, 0), std::vector<unsigned char>(32, 0), {}};
        const Entry& e = it == users_.end() ? kDummy : it->second;
        const auto got = pbkdf2(c.password, e.salt, e.iterations, e.hash.size());
        const bool match = CRYPTO_memcmp(got.data(), e.hash.data(), e.hash.size()) == 0;
        if (it == users_.end() || !c.has_password || !match) {
            r.error = Errc::login_failed;
            r.reason = "unknown user or wrong password";
            return r;
        }
        r.user.user_id = c.user_id;
        r.user.nick = e.nick.empty() ? c.user_id : e.nick;
        return r;
    }
    std::string_view mode() const noexcept override { return "static"; }

  private:
    bool parse_line(std::string_view line) {
        const auto f = split(line, ':');
        if (f.size() < 5 || f.size() > 6 || !valid_user_id(f[0]) || f[1] != "pbkdf2-sha256") {
            return false;
        }
        Entry e;
        auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), e.iterations);
        if (ec != std::errc() || p != f[2].data() + f[2].size() || e.iterations < 1000) {
            return false;
        }
        if (!from_hex(f[3], e.salt) || !from_hex(f[4], e.hash) || e.hash.size() < 16) return false;
        if (f.size() == 6) e.nick.assign(f[5]);
        users_[std::string(f[0])] = std::move(e);
        return true;
    }
    std::unordered_map<std::string, Entry> users_;
};

}  // namespace

std::unique_ptr<Authenticator> make_static_authenticator(const std::string& users_file) {
    return std::make_unique<StaticAuthenticator>(users_file);
}

std::string hash_password_line(std::string_view user_id, std::string_view password,
                               int iterations) {
    std::vector<unsigned char> salt(16);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    const auto hash = pbkdf2(password, salt, iterations, 32);
    return std::string(user_id) + ":pbkdf2-sha256:" + std::to_string(iterations) + ":" +
           to_hex(salt.data(), salt.size()) + ":" + to_hex(hash.data(), hash.size());
}

}  // namespace jim::auth
