#pragma once
// Authentication seam. A backend turns login credentials into a user profile or a refusal.
//
// authenticate() is synchronous and must be cheap (it runs on a network worker): open and static
// are, and so is JWT verification. A backend that needs I/O (the webhook backend in jim_hooks)
// says so with asynchronous() and answers through authenticate_async() instead; the login
// handler then resumes the session on its worker when the answer comes. See ARCHITECTURE.md
// "Login".
// Thread: authenticate() may be called from any worker concurrently (implementations are
// immutable after construction or lock internally).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jim/base/error.hpp"
#include "jim/proto/replies.hpp"

namespace jim::auth {

struct Credentials {
    std::string user_id;
    std::string password;
    std::string token;
    bool has_password = false;
};

struct AuthResult {
    Errc error = Errc::ok;  // ok or login_failed
    proto::User user;       // filled when ok
    std::string reason;     // when refused: why, for the log and the client's "reason"
};

class Authenticator {
  public:
    virtual ~Authenticator() = default;
    virtual AuthResult authenticate(const Credentials& credentials) const = 0;
    virtual std::string_view mode() const noexcept = 0;

    // True for backends that must not be called through authenticate() on a worker.
    virtual bool asynchronous() const noexcept { return false; }
    // Answers `credentials` through `done`, exactly once, on any thread (the caller posts the
    // result home). Returns at once. The default answers with authenticate() right away.
    virtual void authenticate_async(Credentials credentials,
                                    std::function<void(AuthResult)> done) const {
        done(authenticate(credentials));
    }
};

// J-IM's demo behaviour: any user id with any password is accepted. For development only.
std::unique_ptr<Authenticator> make_open_authenticator();

// Users with salted PBKDF2-HMAC-SHA256 password hashes, one per line in `users_file`:
//   user_id:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>[:nick]
// Blank lines and lines starting with '#' are ignored. Throws std::runtime_error at start-up with
// every malformed line listed.
std::unique_ptr<Authenticator> make_static_authenticator(const std::string& users_file);

// One users-file line for `user_id` and `password` with a fresh random salt.
std::string hash_password_line(std::string_view user_id, std::string_view password,
                               int iterations = 20000);

// Checks a user id is acceptable: 1..64 bytes, no control characters, no ':'.
bool valid_user_id(std::string_view user_id) noexcept;

}  // namespace jim::auth
