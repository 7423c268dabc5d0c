#include "jim/auth/authenticator.hpp"

#include <algorithm>

namespace jim::auth {
namespace {

class OpenAuthenticator final : public Authenticator {
  public:
    AuthResult authenticate(const Credentials& c) const override {
        AuthResult r;
        if (!valid_user_id(c.user_id)) {
            r.error = Errc::login_failed;
            r.reason = "userId must be 1-64 characters without control characters or ':'";
            return r;
        }
        r.user.user_id = c.user_id;
        r.user.nick = c.user_id;
        return r;
    }
    std::string_view mode() const noexcept override { return "open"; }
};

}  // namespace

bool valid_user_id(std::string_view user_id) noexcept {
    if (user_id.empty() || user_id.size() > 64) return false;
    return std::none_of(user_id.begin(), user_id.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f || ch == ':';
    });
}

std::unique_ptr<Authenticator> make_open_authenticator() {
    return std::make_unique<OpenAuthenticator>();
}

}  // namespace jim::auth
